// The environment database operations of the reference (DESIGN.md): back up, restore, copy,
// reset. One orchestration for the four, since they share their shape: a first step, the
// environment's partitions worked through page by page with checkpoints (at most `parallelism`
// at a time, so no activity runs for minutes and a replay resumes mid-partition), a last step
// that frees the environment. Deterministic: no I/O, no clock but the orchestration's.
//
// Why an orchestration rather than work inside the HTTP request: a restore or copy rewrites every
// item of an environment (open with the source's keys, seal with the target's), which outlasts a
// request's time limit for any real size, and must survive a host restart without leaving the
// environment half-written and stuck in its 503 window. Each step here is rerunnable.
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import { Activities, Orchestrations } from "../shared/operations/names";
import {
  DATA_STORES,
  type BackupPartitionOutput, type BeginBackupOutput, type DataOperationInput, type DataOperationResult, type DataOperationStepInput,
  type DataStore, type PrepareTransferOutput, type ResetEnvironmentOutput, type TransferPartitionOutput,
} from "../shared/backups/contracts";
import { activityCaller, retryOptions } from "./rekeyFlow";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Sent = any;

function errorMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0].slice(0, 500);
}

/**
 * Calls `start(bucket, cursor)` for every bucket until each reports done, `parallelism` buckets
 * at a time. `settle` reads a result: the next cursor, done, or a reason to stop everything.
 */
function* inWaves<R>(
  context: OrchestrationContext, parallelism: number, buckets: number,
  start: (bucket: number, cursor: unknown) => Task,
  settle: (bucket: number, result: R) => { done: boolean; cursor?: unknown; stop?: { code: string; message: string } },
  afterWave: () => Generator<Task, void, Sent>,
): Generator<Task, { code: string; message: string } | undefined, Sent> {
  const queue = Array.from({ length: buckets }, (_, i) => i);
  let active: { bucket: number; cursor?: unknown }[] = [];
  while (queue.length > 0 || active.length > 0) {
    while (active.length < parallelism && queue.length > 0) active.push({ bucket: queue.shift()! });
    const results = (yield context.df.Task.all(active.map((a) => start(a.bucket, a.cursor)))) as R[];
    const next: typeof active = [];
    for (let i = 0; i < results.length; i++) {
      const r = settle(active[i].bucket, results[i]);
      if (r.stop) return r.stop;
      if (!r.done) next.push({ bucket: active[i].bucket, cursor: r.cursor });
    }
    active = next;
    yield* afterWave();
  }
  return undefined;
}

df.app.orchestration(Orchestrations.environmentDataOperation, function* (context: OrchestrationContext): Generator<Task, DataOperationResult, Sent> {
  const input = context.df.getInput<DataOperationInput>();
  const call = activityCaller(context, input.retry);
  const options = retryOptions(input.retry);
  const base = { operationId: input.operationId, environmentId: input.environmentId };
  const record = (update: Omit<DataOperationStepInput, "operationId" | "environmentId">) => call<void>(Activities.dataOperationStep, { ...base, ...update });
  const progress = { done: 0, total: 0, unit: "items" };
  const reportProgress = function* (): Generator<Task, void, Sent> {
    context.df.setCustomStatus({ kind: input.kind, progress });
    yield* record({ progress });
  };
  let stage = "Start";

  const fail = function* (error: { code: string; message: string }): Generator<Task, DataOperationResult, Sent> {
    yield* record({ step: { name: stage, status: "Failed", detail: error.message }, operationStatus: "Failed", error, release: true });
    context.df.setCustomStatus({ kind: input.kind, error });
    return { status: "Failed", error };
  };
  const succeed = function* (): Generator<Task, DataOperationResult, Sent> {
    yield* record({ progress: { ...progress, done: progress.total }, operationStatus: "Succeeded", release: true });
    context.df.setCustomStatus({ kind: input.kind, progress: { ...progress, done: progress.total } });
    return { status: "Succeeded" };
  };
  const begin = (name: string) => {
    stage = name;
    return record({ step: { name, status: "Running" } });
  };
  const done = (detail?: string) => record({ step: { name: stage, status: "Succeeded", ...(detail ? { detail } : {}) } });

  try {
    if (input.kind === "Backup") {
      const backupId = input.backupId!;
      yield* begin("Snapshot keys");
      const begun = yield* call<BeginBackupOutput>(Activities.beginBackup, { ...base, backupId });
      yield* done(`backup ${backupId}, ${begun.buckets} partition(s)`);
      const counts: Record<DataStore, number> = { records: 0, files: 0 };
      const segments = Array.from({ length: begun.buckets }, () => 0);
      for (const store of DATA_STORES) {
        yield* begin(`Copy ${store}`);
        yield* inWaves<BackupPartitionOutput>(context, input.parallelism, begun.buckets,
          (bucket, cursor) => context.df.callActivityWithRetry(Activities.backupPartition, options, {
            environmentId: input.environmentId, backupId, store, bucket, pageSize: input.pageSize,
            continuation: cursor as string | undefined, segment: store === "records" ? segments[bucket] : 0,
          }),
          (bucket, r) => {
            counts[store] += r.items;
            progress.done += r.items;
            if (store === "records") segments[bucket] = r.segment;
            return { done: r.done, cursor: r.continuation };
          },
          reportProgress);
        yield* done(`${counts[store]} item(s)`);
      }
      yield* begin("Complete backup");
      yield* call<void>(Activities.completeBackup, { ...base, backupId, outcome: { ok: true, records: counts.records, files: counts.files, recordSegments: segments } });
      progress.total = progress.done;
      yield* done();
      return yield* succeed();
    }

    if (input.kind === "Restore" || input.kind === "Copy") {
      const source = input.source!;
      yield* begin(input.kind === "Restore" ? "Prepare restore" : "Prepare copy");
      const prep = yield* call<PrepareTransferOutput>(Activities.prepareTransfer, { ...base, source });
      if (prep.outcome !== "ok") return yield* fail({ code: prep.code, message: prep.message });
      progress.total = prep.items;
      yield* done(`environment emptied; ${prep.items} item(s) to ${input.kind === "Restore" ? "restore" : "copy"}`);
      for (const store of DATA_STORES) {
        yield* begin(`${input.kind === "Restore" ? "Restore" : "Copy"} ${store}`);
        let moved = 0;
        const stopped = yield* inWaves<TransferPartitionOutput>(context, input.parallelism, prep.buckets,
          (bucket, cursor) => context.df.callActivityWithRetry(Activities.transferPartition, options, {
            ...base, source, store, bucket, pageSize: input.pageSize, continuation: cursor as string | undefined,
          }),
          (_bucket, r) => {
            if (r.outcome !== "ok") return { done: true, stop: { code: r.code, message: r.message } };
            moved += r.items;
            progress.done = Math.min(progress.total, progress.done + r.items);
            return { done: r.done, cursor: r.continuation };
          },
          reportProgress);
        if (stopped) return yield* fail(stopped);
        yield* done(`${moved} item(s)`);
      }
      return yield* succeed();
    }

    // Reset.
    yield* begin("Delete data and backups");
    const reset = yield* call<ResetEnvironmentOutput>(Activities.resetEnvironmentData, base);
    if (reset.outcome !== "ok") return yield* fail({ code: reset.code, message: reset.message });
    yield* done(`${reset.backupsDeleted} backup(s) deleted; new key ring under ${reset.keyId}`);
    // Other instances may hold the old keys in their DEK cache for up to its TTL (the old index
    // key under the same cache id): the environment stays offline until that has passed.
    yield* begin("Wait for caches to expire");
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + (input.settleSeconds ?? 60) * 1000));
    yield* done();
    return yield* succeed();
  } catch (err) {
    // An activity exhausted its retries.
    const error = { code: "OperationFailed", message: `${stage} failed: ${errorMessage(err)}` };
    if (input.kind === "Backup") {
      try {
        yield* call<void>(Activities.completeBackup, { ...base, backupId: input.backupId!, outcome: { ok: false, error } });
      } catch {
        // The manifest stays Creating; the failed operation says so, and nothing restores it.
      }
    }
    return yield* fail(error);
  }
});
