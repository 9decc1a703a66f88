// Activity: re-encrypt one page-bounded run of a partition under the target DEK and return a
// checkpoint. Skips what is already under the target, so a replay or a rerun rewrites nothing
// twice; a user's concurrent write wins (the data layer writes with If-Match).
import type { AppServices } from "../shared/appServices";
import type { ReencryptPartitionInput, ReencryptPartitionOutput } from "../shared/operations/contracts";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";
import { partitionReencrypted } from "../shared/operations/operationTelemetry";
import { recordPageProgress } from "../shared/operations/pageProgress";

/** Pages per activity call: long enough to amortise a call, short enough that none runs for minutes. */
const PAGES_PER_CALL = 5;

export async function reencryptPartition(input: ReencryptPartitionInput, svc: AppServices): Promise<ReencryptPartitionOutput> {
  const run = input.store === "records" ? svc.reencryption.reencryptRecordPartition : svc.reencryption.reencryptFilePartition;
  let continuation = input.continuation;
  let scanned = 0;
  let rewritten = 0;
  const report = () => partitionReencrypted({ operationId: input.operationId, environmentId: input.environmentId, store: input.store, scanned, rewritten });
  try {
    for (let page = 0; page < PAGES_PER_CALL; page++) {
      const r = await run({ environmentId: input.dataId, bucket: Number(input.partition), targetDekId: input.targetDekId, continuation, maxItems: input.pageSize });
      scanned += r.scanned;
      rewritten += r.rewritten;
      continuation = r.continuation;
      if (!continuation) break;
    }
    report();
    await recordPageProgress(svc, input.progress, scanned);
    return continuation ? { outcome: "ok", done: false, continuation, scanned, rewritten } : { outcome: "ok", done: true, scanned, rewritten };
  } catch (err) {
    return terminalOutcomeOf(err);
  }
}
