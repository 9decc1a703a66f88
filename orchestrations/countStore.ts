// Counting one store of an environment partition by partition through the partition pump (each
// worker a few countPartition calls per execution), so no call reads more than a bounded page:
// sizing a store too large for one call (a re-key's listPartitions `paged`, a copy's live
// source), and a re-key's finish proof (finishRekey `ProofPaged`).
import type { OrchestrationContext, Task } from "durable-functions";
import type { ActivityRetryPolicy, KeyFailure, Refusal, Store } from "../shared/operations/contracts";
import { pumpPartitions } from "./partitionPump";
import type { Sent } from "./orchestrator";

export interface CountedStore {
  /** Items counted. */
  items: number;
  /** Of them, under a DEK outside the target's lineage. */
  offTarget: number;
  /** Partitions counted to their end. */
  partitions: number;
  /** Why a count could not be made (a lost key, a refusal); the counts are then partial. */
  stop?: KeyFailure | Refusal;
}

/**
 * Counts `store` of the data under `dataId` over `partitions`. `targetDekId`: items under it or
 * its lineage are on target. `proof`: each count waits until the switch to the target has settled
 * (dekCounts PROOF_SETTLE_MS), so a zero stays zero.
 */
export function* countStore(
  context: OrchestrationContext,
  run: { dataId: string; store: Store; partitions: number[]; targetDekId: string; label: string; proof: boolean; parallelism: number; retry: ActivityRetryPolicy },
): Generator<Task, CountedStore, Sent> {
  const outcome = yield* pumpPartitions(context, {
    label: run.label, partitions: run.partitions, parallelism: run.parallelism, retry: run.retry,
    job: { kind: "count", page: { dataId: run.dataId, store: run.store, targetDekId: run.targetDekId, ...(run.proof ? { proof: true } : {}) } },
  });
  return { items: outcome.items, offTarget: outcome.offTarget, partitions: outcome.partitionsDone, ...(outcome.stop ? { stop: outcome.stop } : {}) };
}
