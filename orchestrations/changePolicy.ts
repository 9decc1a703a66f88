// Change an environment's key by moving it to another enterprise policy: revert to the platform
// key, then add to the new policy, as two sub-orchestrations: two downtimes, as the reference
// says, each with its own history entry and statuses. The parent holds the environment's
// one-operation slot throughout and records the change as a whole.
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import type { ChangePolicyInput, RekeyInput, RekeyResult, SetStatusInput } from "../shared/operations/contracts";
import { activityCaller } from "./rekeyFlow";
import { Activities, Orchestrations } from "../shared/operations/names";

df.app.orchestration(Orchestrations.changePolicy, function* (context: OrchestrationContext) {
  const input = context.df.getInput<ChangePolicyInput>();
  const call = activityCaller(context, input.retry);
  const half = (suffix: string, target: RekeyInput["target"]): RekeyInput => ({
    operationId: `${input.operationId}-${suffix}`, environmentId: input.environmentId, target, fromPolicy: input.fromPolicy,
    parallelism: input.parallelism, retry: input.retry, pageSize: input.pageSize, partOfChange: true,
  });
  const finish = (status: "Encrypted" | "Failed" | "Warning", error?: { code: string; message: string }) =>
    call<void>(Activities.setEncryptionStatus, {
      operationId: input.operationId, environmentId: input.environmentId, status,
      operationStatus: error ? "Failed" : "Succeeded", error, release: true,
    } satisfies SetStatusInput);

  const remove = (yield context.df.callSubOrchestrator(Orchestrations.removeEnvironmentFromPolicy,
    half("remove", { kind: "PlatformManaged" }), `${input.operationId}-remove`)) as RekeyResult;
  if (remove.status !== "PlatformManaged") {
    yield* finish(remove.status === "Warning" ? "Warning" : "Failed", remove.error ?? { code: "RemoveFailed", message: "Removing the environment from its policy failed." });
    return { removed: remove };
  }
  const add = (yield context.df.callSubOrchestrator(Orchestrations.addEnvironmentToPolicy,
    half("add", { kind: "CustomerManaged", policy: input.toPolicy }), `${input.operationId}-add`)) as RekeyResult;
  if (add.status !== "Encrypted") {
    yield* finish(add.status === "Warning" ? "Warning" : "Failed", add.error ?? { code: "AddFailed", message: "Adding the environment to the new policy failed." });
  } else {
    yield* finish("Encrypted");
  }
  return { removed: remove, added: add };
});
