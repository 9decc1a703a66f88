// A new version of a policy's key: re-wrap every DEK of every environment on the policy under it.
// No data is re-encrypted and nothing goes down; the old wrapped copies stay until nothing needs
// them (the reference keeps previous versions for 28 days). Started by the KeyNewVersionCreated
// event, the daily rotation sweep, or by hand.
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import type { ResolveKeyVersionOutput, RewrapEnvironmentOutput, RotateInput } from "../shared/operations/contracts";
import { activityCaller, retryOptions } from "./rekeyFlow";
import { Activities, Orchestrations } from "../shared/operations/names";

df.app.orchestration(Orchestrations.rotateKeyVersion, function* (context: OrchestrationContext) {
  const input = context.df.getInput<RotateInput>();
  const call = activityCaller(context, input.retry);
  const version = yield* call<ResolveKeyVersionOutput>(Activities.resolveKeyVersion, { policy: input.policy, keyId: input.keyId });
  if (version.outcome !== "ok") return { status: "Failed", error: { code: version.code, message: version.message } };
  const total = version.environmentIds.length;
  context.df.setCustomStatus({ keyId: version.keyId, progress: { done: 0, total, unit: "environments" } });
  const results = (yield context.df.Task.all(version.environmentIds.map((environmentId) => context.df.callActivityWithRetry(
    Activities.rewrapEnvironment, retryOptions(input.retry), { operationId: input.operationId, environmentId, policy: input.policy, keyId: version.keyId })))) as RewrapEnvironmentOutput[];
  const failed = results.filter((r) => r.outcome !== "ok");
  const rewrapped = results.reduce((n, r) => n + (r.outcome === "ok" ? r.rewrapped : 0), 0);
  context.df.setCustomStatus({ keyId: version.keyId, progress: { done: results.length - failed.length, total, unit: "environments" }, rewrapped });
  return { status: failed.length ? "Failed" : "Succeeded", keyId: version.keyId, environments: version.environmentIds.length, rewrapped, failed };
});
