// Restore (from a backup) or copy (from another environment's live data) into an environment:
// check the source and the target's key and build a fresh storage generation on the target's key;
// size the source (a backup's manifest says it; a live source is counted partition by partition);
// write every source partition into the fresh generation, opened with the source's keys and
// sealed under the target's, page by page with checkpoints; switch the environment to it; then
// delete the generation it left in bounded pages (its backups stay). No activity deletes data
// row by row, and a failure before the switch leaves the target's data as it was.
//
// Why an orchestration rather than work inside the HTTP request: a restore or copy rewrites every
// item of an environment, which outlasts a request's time limit for any real size, and must
// survive a host restart without leaving the environment half-written and stuck in its 503
// window. Each step here is rerunnable.
import type { OrchestrationContext, Task } from "durable-functions";
import { DATA_STORES, type DataOperationInput, type DataOperationResult } from "../shared/dataOperations/contracts";
import { dataOperationSteps } from "./dataOperationSteps";
import { pumpPartitions } from "./partitionPump";
import { countStores } from "./storeCounter";
import { errorMessage } from "./retry";
import { freesEnvironment } from "./freesEnvironment";
import { orchestrator, type Sent } from "./orchestrator";
import { deleteRetiredGenerations } from "./retiredDataWorker";

function* transferFlow(context: OrchestrationContext, input: DataOperationInput): Generator<Task, DataOperationResult, Sent> {
  const steps = dataOperationSteps(context, input);
  const { act, progress } = steps;
  const base = { operationId: input.operationId, tenantId: input.tenantId, environmentId: input.environmentId };
  const scope = { ...base, dataId: input.dataId };
  const source = input.source!;
  const verb = input.kind === "Restore" ? "Restore" : "Copy";
  try {
    yield* steps.begin(input.kind === "Restore" ? "Prepare restore" : "Prepare copy");
    const prep = yield* act.prepareTransfer({ ...scope, source });
    if (prep.outcome !== "ok") return yield* steps.fail({ code: prep.code, message: prep.message });
    const buckets = Array.from({ length: prep.buckets }, (_, i) => i);
    let items = prep.items;
    if (items === undefined) {
      // A live source: counted partition by partition (no call reads more than a bounded page).
      const count = yield* countStores(context, "size", {
        dataId: source.dataId, stores: DATA_STORES.map((store) => ({ store, partitions: buckets })), targetDekId: prep.sourceDekId!, proof: false,
        parallelism: input.parallelism, retry: input.retry,
      });
      if (count.stop) return yield* steps.fail({ code: count.stop.code, message: count.stop.message });
      items = DATA_STORES.reduce((n, store) => n + count.counted[store]!.items, 0);
    }
    progress.total = items;
    yield* steps.done(`fresh data store prepared; ${items} item(s) to ${verb.toLowerCase()}`);
    yield* steps.reportProgress();
    // The partitions are written into the fresh generation; the environment is still on its old one.
    const into = { ...base, dataId: prep.freshDataId };
    for (const store of DATA_STORES) {
      yield* steps.begin(`${verb} ${store}`);
      const moved = yield* pumpPartitions(context, {
        label: store, partitions: buckets, parallelism: input.parallelism, retry: input.retry,
        job: { kind: "transfer", page: { ...into, source, store, pageSize: input.pageSize, progress: steps.progressTarget } },
        onDone: (_bucket, r) => steps.addDone(r.items),
      });
      if (moved.stop) return yield* steps.fail({ code: moved.stop.code, message: moved.stop.message });
      yield* steps.done(`${moved.items} item(s)`);
    }
    yield* steps.begin("Replace data");
    const switched = yield* act.switchGeneration({ ...scope, freshDataId: prep.freshDataId });
    if (switched.outcome !== "ok") return yield* steps.fail({ code: switched.code, message: switched.message });
    // From here the environment is on its fresh generation: a failure below leaves old data to
    // delete, still listed on the environment (retiredDataIds) for the next operation to finish.
    const deleted = yield* deleteRetiredGenerations(context, base, switched.retired, input.retry, steps.stage);
    if (deleted.error) return yield* steps.fail(deleted.error);
    yield* steps.done("previous data deleted; backups kept");
    return yield* steps.succeed();
  } catch (err) {
    return yield* steps.fail({ code: "OperationFailed", message: `${steps.stage} failed: ${errorMessage(err)}` });
  }
}

export const transferEnvironmentData = orchestrator<DataOperationInput, DataOperationResult>("transferEnvironmentData", freesEnvironment(transferFlow));
