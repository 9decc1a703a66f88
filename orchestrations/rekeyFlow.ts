// The shape add and remove share (DESIGN.md's operations table): a new DEK under the target key;
// the core store re-encrypted while the environment is down; the environment back online while
// the secondary stores follow; the old DEK retired. Deterministic: no I/O, no clock but the
// orchestration's, no randomness. Every side effect is an activity, and every activity is
// idempotent, so a replay or a rerun after a crash rewrites nothing that is already done.
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import type { EncryptionStatus, Progress } from "../shared/domain/environment";
import {
  CORE_STORES, SECONDARY_STORES,
  type FinishRekeyOutput, type KeyFailure, type ListPartitionsOutput, type PrepareTargetDekOutput,
  type ReencryptPartitionOutput, type RekeyInput, type RekeyResult, type RetryPolicy, type SetStatusInput, type Store,
} from "../shared/operations/contracts";
import { Activities } from "../shared/operations/names";
import type { RewrapBackupsOutput } from "../shared/backups/contracts";

// The value sent back into a generator is whatever the yielded task produced, so TNext is any.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Sent = any;
type Caller = <T>(name: string, input: unknown) => Generator<Task, T, Sent>;

export function retryOptions(policy: RetryPolicy): df.RetryOptions {
  const options = new df.RetryOptions(policy.firstRetryIntervalMs, policy.maxAttempts);
  options.backoffCoefficient = policy.backoffCoefficient;
  options.maxRetryIntervalInMilliseconds = policy.maxRetryIntervalMs;
  return options;
}

/** A typed wrapper over callActivityWithRetry. */
export function activityCaller(context: OrchestrationContext, retry: RetryPolicy): Caller {
  const options = retryOptions(retry);
  return function* call<T>(name: string, input: unknown): Generator<Task, T, Sent> {
    return yield context.df.callActivityWithRetry(name, options, input);
  };
}

const STATUSES = {
  CustomerManaged: { downtime: "Encrypting", online: "EncryptingOnline", done: "Encrypted" },
  PlatformManaged: { downtime: "Reverting", online: "RevertingOnline", done: "PlatformManaged" },
} as const;

function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // Durable Functions prefixes activity failures with a long preamble; keep the first line.
  return text.split(/\r?\n/)[0].slice(0, 500);
}

/**
 * Re-encrypts every partition of one store, at most `parallelism` at a time. A partition whose
 * activity returns a checkpoint is called again with it, so no activity runs for minutes and a
 * replay resumes mid-partition. Returns a KeyFailure if the key was lost, otherwise undefined.
 */
function* reencryptStore(
  context: OrchestrationContext, call: Caller, input: RekeyInput, store: Store, partitions: string[],
  targetDekId: string, progress: Progress, status: EncryptionStatus,
): Generator<Task, KeyFailure | undefined, Sent> {
  const queue = [...partitions];
  let active: { partition: string; continuation?: string }[] = [];
  while (queue.length > 0 || active.length > 0) {
    while (active.length < input.parallelism && queue.length > 0) active.push({ partition: queue.shift()! });
    const wave = active.map((cursor) => context.df.callActivityWithRetry(Activities.reencryptPartition, retryOptions(input.retry), {
      operationId: input.operationId, environmentId: input.environmentId, store, partition: cursor.partition,
      targetDekId, continuation: cursor.continuation, pageSize: input.pageSize,
    }));
    const results = (yield context.df.Task.all(wave)) as ReencryptPartitionOutput[];
    const next: typeof active = [];
    for (let i = 0; i < results.length; i++) {
      const r = results[i];
      if (r.outcome !== "ok") return r;
      progress.done = Math.min(progress.total, progress.done + r.scanned);
      if (!r.done) next.push({ partition: active[i].partition, continuation: r.continuation });
    }
    active = next;
    context.df.setCustomStatus({ status, store, progress: { ...progress } });
    yield* call<void>(Activities.setEncryptionStatus, { operationId: input.operationId, environmentId: input.environmentId, status, progress } satisfies SetStatusInput);
  }
  return undefined;
}

export function* rekeyFlow(context: OrchestrationContext, input: RekeyInput): Generator<Task, RekeyResult, Sent> {
  const call = activityCaller(context, input.retry);
  const s = STATUSES[input.target.kind];
  const base = { operationId: input.operationId, environmentId: input.environmentId };
  const release = !input.partOfChange;
  // customStatus follows every status change, so the instance never says Encrypting while the
  // environment already says EncryptingOnline (it was only set per re-encryption wave before).
  const setStatus = (update: Omit<SetStatusInput, "operationId" | "environmentId">) => {
    context.df.setCustomStatus({ status: update.status, ...(update.step ? { step: update.step.name } : {}), ...(update.progress ? { progress: { ...update.progress } } : {}) });
    return call<void>(Activities.setEncryptionStatus, { ...base, ...update } satisfies SetStatusInput);
  };

  const fail = function* (status: "Failed" | "Warning", error: { code: string; message: string }, extra: Partial<SetStatusInput> = {}): Generator<Task, RekeyResult, Sent> {
    yield* setStatus({ status, operationStatus: "Failed", error, release, ...extra });
    context.df.setCustomStatus({ status, error });
    return { status, error } as RekeyResult;
  };

  let stage = "Prepare key";
  // The status of the core part: the downtime, except for the rerun of a Warning, whose core store
  // was done (and written since under the same active DEK): it stays online unless sizing finds
  // core items off the target DEK after all.
  let downtime: EncryptionStatus = input.resumeOnline ? s.online : s.downtime;
  try {
    // 1. Downtime begins. A new DEK under the target key becomes the active one for writes.
    yield* setStatus({ status: downtime, step: { name: stage, status: "Running" }, policy: input.target.kind === "CustomerManaged" ? input.target.policy : undefined });
    const dek = (yield* call<PrepareTargetDekOutput>(Activities.prepareTargetDek, { ...base, target: input.target }));
    if (dek.outcome !== "ok") {
      // An add whose key failed before anything depended on it leaves the environment as it was: not locked.
      return yield* fail("Failed", { code: dek.code, message: dek.message }, { step: { name: stage, status: "Failed", detail: dek.message }, ...(dek.keyInUse === false ? {} : { lock: { reason: dek.message } }) });
    }
    yield* setStatus({ status: downtime, step: { name: stage, status: "Succeeded", detail: dek.keyId } });

    // 2. Size the work, for progress; a store with nothing off the target DEK is skipped (new
    // writes go under the target DEK, so none can appear; finishRekey checks again anyway).
    const stores = [...CORE_STORES, ...SECONDARY_STORES];
    const sizes = (yield context.df.Task.all(stores.map((store) => context.df.callActivityWithRetry(
      Activities.listPartitions, retryOptions(input.retry), { environmentId: input.environmentId, store, targetDekId: dek.dekId })))) as ListPartitionsOutput[];
    const partitionsOf = new Map(stores.map((store, i) => [store, sizes[i].partitions]));
    const sizeOf = new Map(stores.map((store, i) => [store, sizes[i]]));
    const nothingLeft = (store: Store) => sizeOf.get(store)!.remaining === 0;
    const progress: Progress = { done: 0, total: sizes.reduce((n, x) => n + x.items, 0), unit: "items" };
    if (CORE_STORES.some((store) => !nothingLeft(store))) downtime = s.downtime;
    const skip = (store: Store, status: EncryptionStatus) => {
      progress.done += sizeOf.get(store)!.items;
      return setStatus({ status, progress, step: { name: stage, status: "Skipped", detail: "Every item is already under the new key." } });
    };

    // 3. Core store, in downtime.
    for (const store of CORE_STORES) {
      stage = `Re-encrypt ${store}`;
      if (nothingLeft(store)) { yield* skip(store, downtime); continue; }
      yield* setStatus({ status: downtime, progress, step: { name: stage, status: "Running" } });
      const lost = yield* reencryptStore(context, call, input, store, partitionsOf.get(store)!, dek.dekId, progress, downtime);
      if (lost) return yield* fail("Failed", { code: lost.code, message: lost.message }, { step: { name: stage, status: "Failed", detail: lost.message }, lock: { reason: lost.message } });
      yield* setStatus({ status: downtime, progress, step: { name: stage, status: "Succeeded" } });
    }

    // 4. Online again; the secondary stores follow. Their failure is a Warning, not a Failed:
    // the core data is under the new key and the environment serves (the reference's Warning).
    yield* setStatus({ status: s.online, progress });
    for (const store of SECONDARY_STORES) {
      stage = `Re-encrypt ${store}`;
      if (nothingLeft(store)) { yield* skip(store, s.online); continue; }
      yield* setStatus({ status: s.online, progress, step: { name: stage, status: "Running" } });
      try {
        const lost = yield* reencryptStore(context, call, input, store, partitionsOf.get(store)!, dek.dekId, progress, s.online);
        if (lost) return yield* fail("Failed", { code: lost.code, message: lost.message }, { step: { name: stage, status: "Failed", detail: lost.message }, lock: { reason: lost.message } });
      } catch (err) {
        const message = `The ${store} store is not yet under the new key: ${errorMessage(err)}. Rerun the operation to finish it.`;
        return yield* fail("Warning", { code: "SecondaryStoreIncomplete", message }, { warning: store, step: { name: stage, status: "Failed", detail: message } });
      }
      yield* setStatus({ status: s.online, progress, step: { name: stage, status: "Succeeded" } });
    }

    // 4b. Backups are a secondary store too: their DEKs are re-wrapped under the target key (their
    // ciphertext is untouched). A step in the history only when the environment has backups.
    stage = "Re-wrap backups";
    try {
      const backups = yield* call<RewrapBackupsOutput>(Activities.rewrapBackups, { ...base, target: input.target });
      if (backups.outcome === "AccessLost") {
        return yield* fail("Failed", { code: backups.code, message: backups.message }, { step: { name: stage, status: "Failed", detail: backups.message }, lock: { reason: backups.message } });
      }
      if (backups.outcome === "BackupUnusable") {
        return yield* fail("Warning", { code: backups.code, message: backups.message }, { warning: "backups", step: { name: stage, status: "Failed", detail: backups.message } });
      }
      if (backups.backups > 0) yield* setStatus({ status: s.online, progress, step: { name: stage, status: "Succeeded", detail: `${backups.backups} backup(s), ${backups.rewrapped} key(s) re-wrapped` } });
    } catch (err) {
      const message = `The backups are not yet under the new key: ${errorMessage(err)}. Rerun the operation to finish it.`;
      return yield* fail("Warning", { code: "SecondaryStoreIncomplete", message }, { warning: "backups", step: { name: stage, status: "Failed", detail: message } });
    }

    // 5. Retire what the old key protected. The activity proves nothing still uses it first.
    stage = "Retire previous key";
    yield* setStatus({ status: s.online, progress, step: { name: stage, status: "Running" } });
    const finish = (yield* call<FinishRekeyOutput>(Activities.finishRekey, { ...base, targetDekId: dek.dekId, target: input.target }));
    if (finish.outcome === "AccessLost") {
      return yield* fail("Failed", { code: finish.code, message: finish.message }, { step: { name: stage, status: "Failed", detail: finish.message }, lock: { reason: finish.message } });
    }
    if (finish.outcome === "DataRemaining") {
      const message = `Items are still under the previous key (${Object.entries(finish.remaining).map(([k, v]) => `${k}: ${v}`).join(", ")}). Rerun the operation to finish it.`;
      return yield* fail("Warning", { code: "DataRemaining", message }, { step: { name: stage, status: "Failed", detail: message } });
    }
    yield* setStatus({
      status: s.done, progress: { ...progress, done: progress.total }, step: { name: stage, status: "Succeeded", detail: `${finish.retiredDekIds.length} DEK(s) retired` },
      operationStatus: "Succeeded", release,
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
