// Activity: restore or copy a page-bounded run of one source partition into the target (opened
// with the source's keys, written under the target's) and return a checkpoint. A write that
// lost to a concurrent one is thrown, and so retried.
import type { AppServices } from "../shared/appServices";
import type { TransferPartitionInput, TransferPartitionOutput } from "../shared/dataOperations/contracts";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";
import { recordPageProgress } from "../shared/operations/pageProgress";

export async function transferPartition(input: TransferPartitionInput, svc: AppServices): Promise<TransferPartitionOutput> {
  try {
    const page = await svc.backups.transferPartition(input);
    await recordPageProgress(svc, input.progress, page.items);
    return { outcome: "ok", ...page };
  } catch (err) {
    return terminalOutcomeOf(err);
  }
}
