// Reset an environment: its data, backups and key ring are erased and it returns to the platform
// key; then it stays offline until every instance's DEK cache has forgotten its old keys.
import type { OrchestrationContext, Task } from "durable-functions";
import type { DataOperationInput, DataOperationResult } from "../shared/dataOperations/contracts";
import { dataOperationSteps } from "./dataOperationSteps";
import { errorMessage } from "./retry";
import { freesEnvironment } from "./freesEnvironment";
import { orchestrator, type Sent } from "./orchestrator";

function* resetFlow(context: OrchestrationContext, input: DataOperationInput): Generator<Task, DataOperationResult, Sent> {
  const steps = dataOperationSteps(context, input);
  try {
    yield* steps.begin("Delete data and backups");
    const reset = yield* steps.act.eraseEnvironmentData({ operationId: input.operationId, tenantId: input.tenantId, environmentId: input.environmentId, dataId: input.dataId });
    if (reset.outcome !== "ok") return yield* steps.fail({ code: reset.code, message: reset.message });
    yield* steps.done(`${reset.backupsDeleted} backup(s) deleted; new key ring under ${reset.keyId}`);
    // Other instances may hold the old keys in their DEK cache for up to its TTL (the old index
    // key under the same cache id): the environment stays offline until that has passed.
    yield* steps.begin("Wait for caches to expire");
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + (input.settleSeconds ?? 60) * 1000));
    yield* steps.done();
    return yield* steps.succeed();
  } catch (err) {
    return yield* steps.fail({ code: "OperationFailed", message: `${steps.stage} failed: ${errorMessage(err)}` });
  }
}

export const resetEnvironment = orchestrator<DataOperationInput, DataOperationResult>("resetEnvironmentData", freesEnvironment(resetFlow));
