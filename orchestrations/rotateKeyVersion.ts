// A new version of a policy's key: re-wrap every DEK of every environment on the policy under it.
// No data is re-encrypted and nothing goes down; the old wrapped copies stay until nothing needs
// them (the reference keeps previous versions for 28 days). Started by the KeyNewVersionCreated
// event, the daily rotation sweep, or by hand.
import type { OrchestrationContext, Task } from "durable-functions";
import type { RewrapEnvironmentOutput, RotateInput } from "../shared/operations/contracts";
import type { ActivityTable } from "../activities";
import { proxyActivities, all } from "./activityProxy";
import { orchestrator, type Sent } from "./orchestrator";

export interface RotationResult {
  status: "Succeeded" | "Failed";
  keyId?: string;
  environments?: number;
  rewrapped?: number;
  failed?: Exclude<RewrapEnvironmentOutput, { outcome: "ok" }>[];
  error?: { code: string; message: string };
}

function* rotateFlow(context: OrchestrationContext, input: RotateInput): Generator<Task, RotationResult, Sent> {
  const act = proxyActivities<ActivityTable>(context, input.retry);
  const version = yield* act.resolveKeyVersion({ tenantId: input.tenantId, policy: input.policy, keyId: input.keyId });
  if (version.outcome !== "ok") return { status: "Failed", error: { code: version.code, message: version.message } };
  const total = version.environments.length;
  context.df.setCustomStatus({ keyId: version.keyId, progress: { done: 0, total, unit: "environments" } });
  const results = yield* all(context, version.environments.map((scope) =>
    act.rewrapEnvironment.start({ operationId: input.operationId, ...scope, policy: input.policy, keyId: version.keyId })));
  const failed = results.filter((r): r is Exclude<RewrapEnvironmentOutput, { outcome: "ok" }> => r.outcome !== "ok");
  const rewrapped = results.reduce((n, r) => n + (r.outcome === "ok" ? r.rewrapped : 0), 0);
  context.df.setCustomStatus({ keyId: version.keyId, progress: { done: results.length - failed.length, total, unit: "environments" }, rewrapped });
  return { status: failed.length ? "Failed" : "Succeeded", keyId: version.keyId, environments: total, rewrapped, failed };
}

export const rotateKeyVersion = orchestrator<RotateInput, RotationResult>("rotateKeyVersion", rotateFlow);
