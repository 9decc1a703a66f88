// Activity: count a bounded run of one partition of a store (its items, and those under a DEK
// outside the target's lineage) and return where the next call resumes. Sizing a store and the
// finish proof of a re-key add these up partition by partition through the partition pump when
// the environment is too large for one call (listPartitions `paged`, finishRekey `ProofPaged`).
import type { AppServices } from "../shared/appServices";
import type { CountPartitionInput, CountPartitionOutput } from "../shared/operations/contracts";
import { sumOf } from "../shared/data/dekCounts";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";

/** An error no retry cures (no key ring, a partition out of range) comes back as a value: it stops the pump. */
export async function countPartition(input: CountPartitionInput, svc: AppServices): Promise<CountPartitionOutput> {
  try {
    const counted = await svc.reencryption.countDeks({
      environmentId: input.dataId, store: input.store, targetDekId: input.targetDekId, partition: Number(input.partition), proof: input.proof,
      ...(input.continuation ? { continuation: input.continuation } : {}), maxItems: svc.settings.countItemsPerCall,
    });
    const scanned = counted.items;
    const offTarget = sumOf(counted.offTarget);
    return counted.continuation ? { outcome: "ok", done: false, continuation: counted.continuation, scanned, offTarget } : { outcome: "ok", done: true, scanned, offTarget };
  } catch (err) {
    return terminalOutcomeOf(err);
  }
}
