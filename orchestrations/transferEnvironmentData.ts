// Restore (from a backup) or copy (from another environment's live data) into an environment:
// check the source and the target's key, empty the target, then every source partition opened
// with the source's keys and written under the target's, page by page with checkpoints.
//
// Why an orchestration rather than work inside the HTTP request: a restore or copy rewrites every
// item of an environment, which outlasts a request's time limit for any real size, and must
// survive a host restart without leaving the environment half-written and stuck in its 503
// window. Each step here is rerunnable.
import type { OrchestrationContext, Task } from "durable-functions";
import { DATA_STORES, type DataOperationInput, type DataOperationResult } from "../shared/dataOperations/contracts";
import { dataOperationSteps } from "./dataOperationSteps";
import { pumpPartitions } from "./partitionPump";
import { errorMessage } from "./retry";
import { freesEnvironment } from "./freesEnvironment";
import { orchestrator, type Sent } from "./orchestrator";

function* transferFlow(context: OrchestrationContext, input: DataOperationInput): Generator<Task, DataOperationResult, Sent> {
  const steps = dataOperationSteps(context, input);
  const { act, progress } = steps;
  const scope = { operationId: input.operationId, tenantId: input.tenantId, environmentId: input.environmentId, dataId: input.dataId };
  const source = input.source!;
  const verb = input.kind === "Restore" ? "Restore" : "Copy";
  try {
    yield* steps.begin(input.kind === "Restore" ? "Prepare restore" : "Prepare copy");
    const prep = yield* act.prepareTransfer({ ...scope, source });
    if (prep.outcome !== "ok") return yield* steps.fail({ code: prep.code, message: prep.message });
    progress.total = prep.items;
    yield* steps.done(`environment emptied; ${prep.items} item(s) to ${verb.toLowerCase()}`);
    const buckets = Array.from({ length: prep.buckets }, (_, i) => i);
    yield* steps.reportProgress();
    for (const store of DATA_STORES) {
      yield* steps.begin(`${verb} ${store}`);
      const moved = yield* pumpPartitions(context, {
        label: store, partitions: buckets, parallelism: input.parallelism, retry: input.retry,
        job: { kind: "transfer", page: { ...scope, source, store, pageSize: input.pageSize, progress: steps.progressTarget } },
        onDone: (_bucket, r) => steps.addDone(r.items),
      });
      if (moved.stop) return yield* steps.fail({ code: moved.stop.code, message: moved.stop.message });
      yield* steps.done(`${moved.items} item(s)`);
    }
    return yield* steps.succeed();
  } catch (err) {
    return yield* steps.fail({ code: "OperationFailed", message: `${steps.stage} failed: ${errorMessage(err)}` });
  }
}

export const transferEnvironmentData = orchestrator<DataOperationInput, DataOperationResult>("transferEnvironmentData", freesEnvironment(transferFlow));
