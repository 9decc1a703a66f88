// Activity: an environment store's partitions and how many items it holds, for progress, and how
// many are not yet under the target DEK (a store with none left is skipped). It counts at most
// KEYWARD_COUNT_ITEMS_PER_CALL items: a store larger than that comes back `paged`, and the
// orchestration sizes it partition by partition (countPartition), so no call scans a whole store.
import type { AppServices } from "../shared/appServices";
import type { ListPartitionsInput, ListPartitionsOutput } from "../shared/operations/contracts";
import { sumOf } from "../shared/data/dekCounts";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";

/** An error no retry cures (no key ring) comes back as a value. */
export async function listPartitions(input: ListPartitionsInput, svc: AppServices): Promise<ListPartitionsOutput> {
  try {
    const partitions = (await svc.reencryption.partitions(input.dataId)).map(String);
    // Without a target every item is "off target": the count is then the store's size.
    const counted = await svc.reencryption.countDeks({ environmentId: input.dataId, store: input.store, targetDekId: input.targetDekId ?? "", maxItems: svc.settings.countItemsPerCall });
    if (counted.continuation) return { partitions, paged: true };
    return { partitions, items: counted.items, remaining: input.targetDekId ? sumOf(counted.offTarget) : counted.items };
  } catch (err) {
    return terminalOutcomeOf(err);
  }
}
