// Counting stores of an environment partition by partition, as one sub-orchestration: sizing
// stores too large for one call (a re-key's listPartitions `paged`, a copy's live source) and a
// re-key's finish proof (finishRekey `ProofPaged`). Its own history holds each store's pump (a
// few events per group of partitions); the caller's holds two events per count, so whether an
// environment is small enough to count in one call or not changes the caller's history by a
// handful of events, not by a pump per store (the scale bench's largest history stays flat).
import type { OrchestrationContext, Task } from "durable-functions";
import type { ActivityRetryPolicy, KeyFailure, Refusal, Store } from "../shared/operations/contracts";
import { countStore, type CountedStore } from "./countStore";
import { callOrchestrator, orchestrator, type Sent } from "./orchestrator";

export interface StoreCountInput {
  dataId: string;
  /** The stores to count, in this order, each over its partitions. */
  stores: { store: Store; partitions: number[] }[];
  /** Items under it or its lineage are on target. */
  targetDekId: string;
  /** A finish proof: each count waits until the switch to the target has settled. */
  proof: boolean;
  parallelism: number;
  retry: ActivityRetryPolicy;
}

export interface StoreCountOutput {
  /** Per store counted to its end (a stop leaves the rest out). */
  counted: Partial<Record<Store, CountedStore>>;
  /** Why a count could not be made (a lost key, a refusal): the first store's that stopped. */
  stop?: KeyFailure | Refusal;
}

function* countStoresFlow(context: OrchestrationContext, input: StoreCountInput): Generator<Task, StoreCountOutput, Sent> {
  const counted: Partial<Record<Store, CountedStore>> = {};
  for (const { store, partitions } of input.stores) {
    const result = yield* countStore(context, {
      dataId: input.dataId, store, partitions, targetDekId: input.targetDekId, label: store, proof: input.proof,
      parallelism: input.parallelism, retry: input.retry,
    });
    if (result.stop) return { counted, stop: result.stop };
    counted[store] = result;
  }
  return { counted };
}

export const storeCounter = orchestrator<StoreCountInput, StoreCountOutput>("storeCounter", countStoresFlow);

/**
 * Counts `input.stores` as the sub-orchestration `${this instance}:${purpose}` (its workers
 * `${that}:${store}:${first partition}`). `purpose` names the count among the instance's others
 * ("size", "proof0", ...).
 */
export function* countStores(context: OrchestrationContext, purpose: string, input: StoreCountInput): Generator<Task, StoreCountOutput, Sent> {
  return yield* callOrchestrator(context, storeCounter, input, `${context.df.instanceId}:${purpose}`);
}
