// Back up an environment: the manifest with a snapshot of its wrapped keys, then every partition's
// ciphertext copied page by page with checkpoints (the partition pump), then the manifest marked
// Completed. A backup that fails is deleted: nothing half-taken is kept or restored. A step that
// no retry cures (the environment gone, a lost key, a refusal) fails the backup with its code;
// one that spent its retries fails it as OperationFailed.
import type { OrchestrationContext, Task } from "durable-functions";
import { DATA_STORES, type DataOperationInput, type DataOperationResult, type DataStore } from "../shared/dataOperations/contracts";
import { dataOperationSteps } from "./dataOperationSteps";
import { pumpPartitions } from "./partitionPump";
import { errorMessage } from "./retry";
import { freesEnvironment } from "./freesEnvironment";
import { orchestrator, type Sent } from "./orchestrator";

/** A step's terminal outcome (a value, not an exhausted retry): the backup fails with its code. */
class BackupStopped {
  constructor(readonly error: { code: string; message: string }) {}
}
function stopWith(why: { code: string; message: string }): never {
  throw new BackupStopped({ code: why.code, message: why.message });
}

function* backupFlow(context: OrchestrationContext, input: DataOperationInput): Generator<Task, DataOperationResult, Sent> {
  const steps = dataOperationSteps(context, input);
  const { act, progress } = steps;
  const scope = { tenantId: input.tenantId, environmentId: input.environmentId, dataId: input.dataId };
  const backupId = input.backupId!;
  // Where the backup is stored when that is not the environment's data id (after a restore or
  // copy moved its data to a fresh generation), once the manifest is made.
  let home: { backupsDataId?: string } = {};
  try {
    yield* steps.begin("Snapshot keys");
    const begun = yield* act.beginBackup({ operationId: input.operationId, ...scope, backupId });
    if ("outcome" in begun) stopWith(begun);
    if (begun.backupsDataId !== input.dataId) home = { backupsDataId: begun.backupsDataId };
    yield* steps.done(`backup ${backupId}, ${begun.buckets} partition(s)`);
    const counts: Record<DataStore, number> = { records: 0, files: 0 };
    const segments = Array.from({ length: begun.buckets }, () => 0);
    const buckets = Array.from({ length: begun.buckets }, (_, i) => i);
    yield* steps.reportProgress();
    for (const store of DATA_STORES) {
      yield* steps.begin(`Copy ${store}`);
      const copied = yield* pumpPartitions(context, {
        label: store, partitions: buckets, parallelism: input.parallelism, retry: input.retry,
        job: { kind: "backup", page: { dataId: input.dataId, ...home, backupId, store, pageSize: input.pageSize, progress: steps.progressTarget } },
        onDone: (_bucket, r) => steps.addDone(r.items),
      });
      if (copied.stop) stopWith(copied.stop);
      counts[store] = copied.items;
      if (store === "records") for (const [bucket, segment] of copied.segments) segments[bucket] = segment;
      yield* steps.done(`${counts[store]} item(s)`);
    }
    yield* steps.begin("Complete backup");
    const completed = yield* act.completeBackup({ operationId: input.operationId, dataId: input.dataId, ...home, backupId, outcome: { ok: true, records: counts.records, files: counts.files, recordSegments: segments } });
    if (completed) stopWith(completed);
    progress.total = progress.done;
    yield* steps.done();
    return yield* steps.succeed();
  } catch (err) {
    // A step's terminal outcome, or an activity that exhausted its retries: the backup is
    // completed as failed (its blobs deleted), then the operation Failed.
    const error = err instanceof BackupStopped ? err.error : { code: "OperationFailed", message: `${steps.stage} failed: ${errorMessage(err)}` };
    try {
      yield* act.completeBackup({ operationId: input.operationId, dataId: input.dataId, ...home, backupId, outcome: { ok: false, error } });
    } catch {
      // The manifest stays Creating; the failed operation says so, and nothing restores it.
    }
    return yield* steps.fail(error);
  }
}

export const backupEnvironment = orchestrator<DataOperationInput, DataOperationResult>("backupEnvironment", freesEnvironment(backupFlow));
