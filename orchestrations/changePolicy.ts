// Change an environment's key by moving it to another enterprise policy: revert to the platform
// key, then add to the new policy, as two sub-orchestrations: two downtimes, as the reference
// says, each with its own history entry and statuses. The parent holds the environment's
// one-operation slot throughout and records the change as a whole.
import type { OrchestrationContext, Task } from "durable-functions";
import type { ChangePolicyInput, RekeyInput, RekeyResult } from "../shared/operations/contracts";
import type { ActivityTable } from "../activities";
import { proxyActivities, all } from "./activityProxy";
import { callOrchestrator, orchestrator, type Sent } from "./orchestrator";
import { addEnvironmentToPolicy } from "./addEnvironmentToPolicy";
import { removeEnvironmentFromPolicy } from "./removeEnvironmentFromPolicy";

export interface ChangePolicyResult { removed: RekeyResult; added?: RekeyResult }

function* changePolicyFlow(context: OrchestrationContext, input: ChangePolicyInput): Generator<Task, ChangePolicyResult, Sent> {
  const act = proxyActivities<ActivityTable>(context, input.retry);
  const base = { operationId: input.operationId, tenantId: input.tenantId, environmentId: input.environmentId };
  const half = (suffix: string, target: RekeyInput["target"]): RekeyInput => ({
    operationId: `${input.operationId}-${suffix}`, tenantId: input.tenantId, environmentId: input.environmentId, dataId: input.dataId, target, fromPolicy: input.fromPolicy,
    parallelism: input.parallelism, retry: input.retry, pageSize: input.pageSize, partOfChange: true,
  });
  const finish = function* (status: "Encrypted" | "Failed" | "Warning", error?: { code: string; message: string }): Generator<Task, void, Sent> {
    yield* all(context, [
      act.setEncryption.start({ ...base, status }),
      act.recordOperation.start({ ...base, end: { status: error ? "Failed" : "Succeeded", error } }),
    ]);
    yield* act.releaseEnvironment(base);
  };

  const removed = yield* callOrchestrator(context, removeEnvironmentFromPolicy, half("remove", { kind: "PlatformManaged" }), `${input.operationId}-remove`);
  if (removed.status !== "PlatformManaged") {
    yield* finish(removed.status === "Warning" ? "Warning" : "Failed", removed.error ?? { code: "RemoveFailed", message: "Removing the environment from its policy failed." });
    return { removed };
  }
  const added = yield* callOrchestrator(context, addEnvironmentToPolicy, half("add", { kind: "CustomerManaged", policy: input.toPolicy, tenantId: input.tenantId }), `${input.operationId}-add`);
  if (added.status !== "Encrypted") {
    yield* finish(added.status === "Warning" ? "Warning" : "Failed", added.error ?? { code: "AddFailed", message: "Adding the environment to the new policy failed." });
  } else {
    yield* finish("Encrypted");
  }
  return { removed, added };
}

export const changePolicy = orchestrator<ChangePolicyInput, ChangePolicyResult>("changePolicy", changePolicyFlow);
