// Change an environment's key by moving it to another enterprise policy: revert to the platform
// key, then add to the new policy, as two sub-orchestrations: two downtimes, as the reference
// says, each with its own history entry and statuses. The parent holds the environment's
// one-operation slot throughout and records the change as a whole.
import type { OrchestrationContext, Task } from "durable-functions";
import type { ChangePolicyInput, RekeyInput, RekeyResult } from "../shared/operations/contracts";
import type { ActivityTable } from "../activities";
import { proxyActivities, all } from "./activityProxy";
import { freesEnvironment } from "./freesEnvironment";
import { callOrchestrator, orchestrator, type Sent } from "./orchestrator";
import { addEnvironmentToPolicy } from "./addEnvironmentToPolicy";
import { removeEnvironmentFromPolicy } from "./removeEnvironmentFromPolicy";
import { errorMessage } from "./retry";

export interface ChangePolicyResult { removed: RekeyResult; added?: RekeyResult }

function* changePolicyFlow(context: OrchestrationContext, input: ChangePolicyInput): Generator<Task, ChangePolicyResult, Sent> {
  const act = proxyActivities<ActivityTable>(context, input.retry);
  const base = { operationId: input.operationId, tenantId: input.tenantId, environmentId: input.environmentId };
  const half = (suffix: string, target: RekeyInput["target"]): RekeyInput => ({
    operationId: `${input.operationId}-${suffix}`, tenantId: input.tenantId, environmentId: input.environmentId, dataId: input.dataId, target, fromPolicy: input.fromPolicy,
    parallelism: input.parallelism, retry: input.retry, pageSize: input.pageSize, partOfChange: true,
    ...(input.downtime === "none" ? { downtime: "none" as const } : {}),
  });
  const finish = function* (status: "Encrypted" | "Failed" | "Warning", error?: { code: string; message: string }): Generator<Task, void, Sent> {
    yield* all(context, [
      act.setEncryption.start({ ...base, status, release: true }),
      act.recordOperation.start({ ...base, end: { status: error ? "Failed" : "Succeeded", error } }),
    ]);
  };

  // A half that fails outright (its own failure path threw) still ends the change and frees the environment.
  const outright = (err: unknown): RekeyResult => ({ status: "Failed", error: { code: "OperationFailed", message: errorMessage(err) } });
  let removed: RekeyResult;
  try {
    removed = yield* callOrchestrator(context, removeEnvironmentFromPolicy, half("remove", { kind: "PlatformManaged" }), `${input.operationId}-remove`);
  } catch (err) {
    removed = outright(err);
  }
  if (removed.status !== "PlatformManaged") {
    yield* finish(removed.status === "Warning" ? "Warning" : "Failed", removed.error ?? { code: "RemoveFailed", message: "Removing the environment from its policy failed." });
    return { removed };
  }
  let added: RekeyResult;
  try {
    added = yield* callOrchestrator(context, addEnvironmentToPolicy, half("add", { kind: "CustomerManaged", policy: input.toPolicy, tenantId: input.tenantId }), `${input.operationId}-add`);
  } catch (err) {
    added = outright(err);
  }
  if (added.status !== "Encrypted") {
    yield* finish(added.status === "Warning" ? "Warning" : "Failed", added.error ?? { code: "AddFailed", message: "Adding the environment to the new policy failed." });
  } else {
    yield* finish("Encrypted");
  }
  return { removed, added };
}

export const changePolicy = orchestrator<ChangePolicyInput, ChangePolicyResult>("changePolicy", freesEnvironment(changePolicyFlow));
