// Activity: count a page-bounded run of one partition (its items, and those off the target DEK)
// and return a checkpoint. Sizing and the finish proof of a re-key add these up partition by
// partition through the partition pump, so no activity scans a whole environment.
import type { AppServices } from "../shared/appServices";
import type { CountPartitionInput, CountPartitionOutput } from "../shared/operations/contracts";

/** Pages per activity call, as reencryptPartition. */
const PAGES_PER_CALL = 5;

export async function countPartition(input: CountPartitionInput, svc: AppServices): Promise<CountPartitionOutput> {
  let continuation = input.continuation;
  let scanned = 0;
  let offTarget = 0;
  for (let page = 0; page < PAGES_PER_CALL; page++) {
    const r = await svc.reencryption.countPartition(input.store, { environmentId: input.dataId, bucket: Number(input.partition), targetDekId: input.targetDekId, continuation, maxItems: input.pageSize });
    scanned += r.scanned;
    offTarget += r.offTarget;
    continuation = r.continuation;
    if (!continuation) break;
  }
  return continuation ? { outcome: "ok", done: false, continuation, scanned, offTarget } : { outcome: "ok", done: true, scanned, offTarget };
}
