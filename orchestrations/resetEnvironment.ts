// Reset an environment: it is switched to a fresh storage generation (new table, container and
// key ring under the platform key) and its old generation, backups included, is deleted in
// bounded pages by a sub-orchestration (no activity deletes data row by row); then it stays
// offline until every instance's DEK cache has forgotten its old keys.
import type { OrchestrationContext, Task } from "durable-functions";
import type { DataOperationInput, DataOperationResult } from "../shared/dataOperations/contracts";
import { dataOperationSteps } from "./dataOperationSteps";
import { errorMessage } from "./retry";
import { freesEnvironment } from "./freesEnvironment";
import { orchestrator, type Sent } from "./orchestrator";
import { deleteRetiredGenerations } from "./retiredDataWorker";

function* resetFlow(context: OrchestrationContext, input: DataOperationInput): Generator<Task, DataOperationResult, Sent> {
  const steps = dataOperationSteps(context, input);
  const base = { operationId: input.operationId, tenantId: input.tenantId, environmentId: input.environmentId };
  try {
    yield* steps.begin("Delete data and backups");
    const reset = yield* steps.act.eraseEnvironmentData({ ...base, dataId: input.dataId });
    if (reset.outcome !== "ok") return yield* steps.fail({ code: reset.code, message: reset.message });
    // From here the environment is on its fresh generation: a failure below leaves old data to
    // delete, still listed on the environment (retiredDataIds) for the next operation to finish.
    const deleted = yield* deleteRetiredGenerations(context, base, reset.retired, input.retry, steps.stage);
    if (deleted.error) return yield* steps.fail(deleted.error);
    yield* steps.done(`${reset.backupsDeleted + deleted.backupsDeleted} backup(s) deleted; new key ring under ${reset.keyId}`);
    // Other instances may hold the old keys in their DEK cache for up to its TTL: the
    // environment stays offline until that has passed.
    yield* steps.begin("Wait for caches to expire");
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + (input.settleSeconds ?? 60) * 1000));
    yield* steps.done();
    return yield* steps.succeed();
  } catch (err) {
    return yield* steps.fail({ code: "OperationFailed", message: `${steps.stage} failed: ${errorMessage(err)}` });
  }
}

export const resetEnvironment = orchestrator<DataOperationInput, DataOperationResult>("resetEnvironmentData", freesEnvironment(resetFlow));
