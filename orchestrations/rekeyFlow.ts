// The shape add and remove share: a new DEK under the target key; the core store re-encrypted
// while the environment is down; the environment back online while the secondary stores follow;
// the old DEK retired. Deterministic: no I/O, no clock but the orchestration's, no randomness.
// Every side effect is an activity, and every activity is idempotent, so a replay or a rerun
// after a crash rewrites nothing that is already done.
import type { OrchestrationContext, Task } from "durable-functions";
import { REKEY_STATUSES, type EncryptionStatus } from "../shared/domain/encryptionStatus";
import type { Progress } from "../shared/domain/environment";
import {
  CORE_STORES, SECONDARY_STORES,
  type FinishRekeyOutput, type KeyFailure, type Refusal, type RekeyInput, type RekeyResult, type SetEncryptionInput, type StepUpdate, type Store,
} from "../shared/operations/contracts";
import type { ActivityTable } from "../activities";
import { proxyActivities, all } from "./activityProxy";
import { pumpPartitions } from "./partitionPump";
import { countStores } from "./storeCounter";
import { needs } from "../shared/errors";
import { errorMessage } from "./retry";
import type { Sent } from "./orchestrator";

/** Sweeps for stragglers an operation with no downtime makes before it reports DataRemaining. */
const MAX_SWEEPS = 2;

interface StatusUpdate extends Omit<SetEncryptionInput, "operationId" | "tenantId" | "environmentId"> {
  step?: StepUpdate;
  /** Ends the operation's history entry (and frees the environment unless this is half of a change). */
  end?: { status: "Succeeded" | "Failed"; error?: { code: string; message: string } };
  /** The key was lost: the probe decides whether the environment locks. */
  lock?: { reason: string };
}

/**
 * Re-encrypts every partition of one store through the partition pump, each partition its own
 * worker. The page activities add their items to the environment's and the operation's progress
 * themselves; this only keeps the instance's custom status and the running total. Returns why it
 * stopped (a lost key, a refusal), or undefined when every partition is done.
 */
function* reencryptStore(
  context: OrchestrationContext, input: RekeyInput, store: Store, partitions: string[],
  targetDekId: string, progress: Progress, status: EncryptionStatus, label: string = store,
): Generator<Task, KeyFailure | Refusal | undefined, Sent> {
  const outcome = yield* pumpPartitions(context, {
    label, partitions: partitions.map(Number), parallelism: input.parallelism, retry: input.retry,
    job: {
      kind: "reencrypt",
      page: {
        operationId: input.operationId, tenantId: input.tenantId, environmentId: input.environmentId, dataId: input.dataId,
        store, targetDekId, pageSize: input.pageSize,
        progress: { operationId: input.operationId, tenantId: input.tenantId, environmentId: input.environmentId, environment: true },
      },
    },
    onDone: (_partition, r) => {
      progress.done = Math.min(progress.total, progress.done + r.items);
      context.df.setCustomStatus({ status, store, progress: { ...progress } });
    },
  });
  return outcome.stop;
}

export function* rekeyFlow(context: OrchestrationContext, input: RekeyInput): Generator<Task, RekeyResult, Sent> {
  const act = proxyActivities<ActivityTable>(context, input.retry);
  const s = REKEY_STATUSES[input.target.kind];
  // Where the operation's state is written (its environment and history), and where its data is.
  const base = { operationId: input.operationId, tenantId: input.tenantId, environmentId: input.environmentId };
  const scope = { ...base, dataId: input.dataId };
  const release = !input.partOfChange;
  // Half of a change of policy writes its own history entry, so each downtime shows.
  const createAs = !input.partOfChange ? undefined : input.target.kind === "CustomerManaged"
    ? { kind: "AddToPolicy" as const, policy: input.target.policy }
    : { kind: "RemoveFromPolicy" as const };

  // customStatus follows every status change, so the instance never says Encrypting while the
  // environment already says EncryptingOnline.
  const report = function* (u: StatusUpdate): Generator<Task, void, Sent> {
    context.df.setCustomStatus({ status: u.status, ...(u.step ? { step: u.step.name } : {}), ...(u.progress ? { progress: { ...u.progress } } : {}) });
    const { step, end, lock, ...encryption } = u;
    yield* all(context, [
      act.setEncryption.start({ ...base, ...encryption, ...(end && release ? { release: true } : {}) }),
      ...(step || u.progress || end ? [act.recordOperation.start({ ...base, createAs, step, progress: u.progress, end })] : []),
    ]);
    if (lock) yield* act.lockAfterKeyFailure({ tenantId: input.tenantId, environmentId: input.environmentId, reason: lock.reason });
  };

  const fail = function* (status: "Failed" | "Warning", error: { code: string; message: string }, extra: Omit<StatusUpdate, "status" | "end"> = {}): Generator<Task, RekeyResult, Sent> {
    yield* report({ status, end: { status: "Failed", error }, ...extra });
    context.df.setCustomStatus({ status, error });
    return { status, error };
  };
  /** A lost key fails and lets the probe decide the lock; a refusal only fails. */
  const stopped = function* (why: KeyFailure | Refusal, stage: string): Generator<Task, RekeyResult, Sent> {
    return yield* fail("Failed", { code: why.code, message: why.message }, {
      step: { name: stage, status: "Failed", detail: why.message }, ...(why.outcome === "AccessLost" ? { lock: { reason: why.message } } : {}),
    });
  };

  let stage = "Prepare key";
  // The status of the core part: the downtime, except for the rerun of a Warning (resumeOnline)
  // and an operation asked for with no downtime, which are online throughout.
  const online = input.downtime === "none";
  let downtime: EncryptionStatus = input.resumeOnline || online ? s.online : s.downtime;
  try {
    // 1. Downtime begins. A new DEK under the target key becomes the active one for writes.
    yield* report({ status: downtime, step: { name: stage, status: "Running" }, policy: input.target.kind === "CustomerManaged" ? input.target.policy : undefined });
    const dek = yield* act.prepareTargetDek({ ...scope, target: input.target });
    if (dek.outcome === "Refused") return yield* stopped(dek, stage);
    if (dek.outcome !== "ok") {
      // An add whose key failed before anything depended on it leaves the environment as it was: not locked.
      return yield* fail("Failed", { code: dek.code, message: dek.message }, { step: { name: stage, status: "Failed", detail: dek.message }, ...(dek.keyInUse === false ? {} : { lock: { reason: dek.message } }) });
    }
    yield* report({ status: downtime, step: { name: stage, status: "Succeeded", detail: dek.keyId } });

    // 2. Size the work, for progress; a store with nothing off the target DEK is skipped (new
    // writes go under the target DEK, so none can appear; finishRekey checks again anyway).
    const stores = [...CORE_STORES, ...SECONDARY_STORES];
    // A store too large for one call to count comes back `paged`: counted partition by partition.
    const listed = yield* all(context, stores.map((store) => act.listPartitions.start({ dataId: input.dataId, store, targetDekId: dek.dekId })));
    const lists: Exclude<(typeof listed)[number], { outcome: unknown }>[] = [];
    for (const size of listed) {
      if ("outcome" in size) return yield* stopped(size, stage);
      lists.push(size);
    }
    const paged = stores.filter((_, i) => lists[i].paged);
    const count = paged.length === 0 ? { counted: {} } : yield* countStores(context, "size", {
      dataId: input.dataId, stores: paged.map((store) => ({ store, partitions: lists[stores.indexOf(store)].partitions.map(Number) })),
      targetDekId: dek.dekId, proof: false, parallelism: input.parallelism, retry: input.retry,
    });
    if (count.stop) return yield* stopped(count.stop, stage);
    const sizes = stores.map((store, i) => {
      const list = lists[i];
      if (!list.paged) return list;
      const counted = count.counted[store]!;
      return { partitions: list.partitions, items: counted.items, remaining: counted.offTarget };
    });
    const sizeOf = new Map(stores.map((store, i) => [store, sizes[i]]));
    const nothingLeft = (store: Store) => sizeOf.get(store)!.remaining === 0;
    const progress: Progress = { done: 0, total: sizes.reduce((n, x) => n + x.items, 0), unit: "items" };
    if (!online && CORE_STORES.some((store) => !nothingLeft(store))) downtime = s.downtime;
    const skip = (store: Store, status: EncryptionStatus) => {
      progress.done += sizeOf.get(store)!.items;
      return report({ status, progress, step: { name: stage, status: "Skipped", detail: "Every item is already under the new key." } });
    };

    // 3. Core store, in downtime.
    for (const store of CORE_STORES) {
      stage = `Re-encrypt ${store}`;
      if (nothingLeft(store)) { yield* skip(store, downtime); continue; }
      yield* report({ status: downtime, progress, step: { name: stage, status: "Running" } });
      const why = yield* reencryptStore(context, input, store, sizeOf.get(store)!.partitions, dek.dekId, progress, downtime);
      if (why) return yield* stopped(why, stage);
      yield* report({ status: downtime, progress, step: { name: stage, status: "Succeeded" } });
    }

    // 4. Online again; the secondary stores follow. Their failure is a Warning, not a Failed:
    // the core data is under the new key and the environment serves (the reference's Warning).
    yield* report({ status: s.online, progress });
    for (const store of SECONDARY_STORES) {
      stage = `Re-encrypt ${store}`;
      if (nothingLeft(store)) { yield* skip(store, s.online); continue; }
      yield* report({ status: s.online, progress, step: { name: stage, status: "Running" } });
      try {
        const why = yield* reencryptStore(context, input, store, sizeOf.get(store)!.partitions, dek.dekId, progress, s.online);
        if (why) return yield* stopped(why, stage);
      } catch (err) {
        const message = `The ${store} store is not yet under the new key: ${errorMessage(err)}. Rerun the operation to finish it.`;
        return yield* fail("Warning", { code: "SecondaryStoreIncomplete", message }, { warning: store, step: { name: stage, status: "Failed", detail: message } });
      }
      yield* report({ status: s.online, progress, step: { name: stage, status: "Succeeded" } });
    }

    // 4b. Backups are a secondary store too: their DEKs are re-wrapped under the target key (their
    // ciphertext is untouched). A step in the history only when the environment has backups.
    stage = "Re-wrap backups";
    try {
      const backups = yield* act.rewrapBackups({ ...scope, target: input.target });
      if (backups.outcome === "AccessLost" || backups.outcome === "Refused") return yield* stopped(backups, stage);
      if (backups.outcome === "BackupUnusable") {
        return yield* fail("Warning", { code: backups.code, message: backups.message }, { warning: "backups", step: { name: stage, status: "Failed", detail: backups.message } });
      }
      if (backups.backups > 0) yield* report({ status: s.online, progress, step: { name: stage, status: "Succeeded", detail: `${backups.backups} backup(s), ${backups.rewrapped} key(s) re-wrapped` } });
    } catch (err) {
      const message = `The backups are not yet under the new key: ${errorMessage(err)}. Rerun the operation to finish it.`;
      return yield* fail("Warning", { code: "SecondaryStoreIncomplete", message }, { warning: "backups", step: { name: stage, status: "Failed", detail: message } });
    }

    // 5. Retire what the old key protected. The activity proves nothing still uses it first.
    stage = "Retire previous key";
    yield* report({ status: s.online, progress, step: { name: stage, status: "Running" } });
    // finishRekey proves it itself when the environment is small enough for one call; else it
    // says ProofPaged, every partition of every store is counted (after the switch settled), and
    // only a proof that covered every partition with nothing off target lets it retire.
    const finishRekey = function* (round: number): Generator<Task, FinishRekeyOutput, Sent> {
      const finish = yield* act.finishRekey({ ...scope, targetDekId: dek.dekId, target: input.target });
      if (finish.outcome !== "ProofPaged") return finish;
      const proof = yield* countStores(context, `proof${round}`, {
        dataId: input.dataId, stores: stores.map((store) => ({ store, partitions: sizeOf.get(store)!.partitions.map(Number) })),
        targetDekId: dek.dekId, proof: true, parallelism: input.parallelism, retry: input.retry,
      });
      // A proof that could not count (a lost key, a refusal) proves nothing: the flow stops with its reason.
      if (proof.stop) return proof.stop;
      const remaining: Record<string, number> = {};
      const proven: Record<string, number> = {};
      for (const store of stores) {
        const counted = proof.counted[store]!;
        if (counted.offTarget > 0) remaining[store] = counted.offTarget;
        proven[store] = counted.partitions;
      }
      if (Object.keys(remaining).length > 0) return { outcome: "DataRemaining", remaining };
      return yield* act.finishRekey({ ...scope, targetDekId: dek.dekId, target: input.target, proven: proven as Record<Store, number> });
    };
    let finish = yield* finishRekey(0);
    // Online throughout, an instance that had not yet seen the new active DEK may have written
    // under the previous one after its partition was passed: sweep the stores again (each item
    // already under the target is skipped) and prove again, a bounded number of times.
    for (let sweep = 1; online && finish.outcome === "DataRemaining" && sweep <= MAX_SWEEPS; sweep++) {
      for (const store of stores) {
        const why = yield* reencryptStore(context, input, store, sizeOf.get(store)!.partitions, dek.dekId, progress, s.online, `${store}-sweep${sweep}`);
        if (why) return yield* stopped(why, stage);
      }
      finish = yield* finishRekey(sweep);
    }
    if (finish.outcome === "AccessLost" || finish.outcome === "Refused") return yield* stopped(finish, stage);
    needs(finish.outcome !== "ProofPaged", "a finish given a paged proof counts nothing itself, so it never asks for one");
    if (finish.outcome === "DataRemaining") {
      const message = `Items are still under the previous key (${Object.entries(finish.remaining).map(([k, v]) => `${k}: ${v}`).join(", ")}). Rerun the operation to finish it.`;
      return yield* fail("Warning", { code: "DataRemaining", message }, { step: { name: stage, status: "Failed", detail: message } });
    }
    yield* report({
      status: s.done, progress: { ...progress, done: progress.total }, step: { name: stage, status: "Succeeded", detail: `${finish.retiredDekIds.length} DEK(s) retired` },
      end: { status: "Succeeded" },
      final: input.target.kind === "CustomerManaged"
        ? { keyType: "CustomerManaged", policy: input.target.policy, keyId: finish.keyId }
        : { keyType: "PlatformManaged", keyId: finish.keyId },
    });
    context.df.setCustomStatus({ status: s.done, progress: { ...progress, done: progress.total } });
    return { status: s.done };
  } catch (err) {
    // An activity exhausted its retries in the core part: Failed, the environment back online on
    // its current data (every ciphertext names its DEK); a rerun resumes where this stopped.
    return yield* fail("Failed", { code: "OperationFailed", message: `${stage} failed: ${errorMessage(err)}` }, { step: { name: stage, status: "Failed", detail: errorMessage(err) } });
  }
}
