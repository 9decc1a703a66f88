// DELETE /api/enterprisePolicies/{name}/environments/{environmentId}: return the environment to
// the platform key (Reverting -> RevertingOnline -> PlatformManaged). The customer key must still
// be usable: the environment's DEKs are unwrapped with it one last time.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { Roles } from "../../shared/domain/roles";
import { checkPolicyName } from "../../shared/domain/policyInput";
import { checkEnvironmentId } from "../../shared/domain/environmentInput";
import { requireEnvironment, requirePolicy } from "../../shared/domain/lookups";
import { requireNoOperation, requireReader, requireUnlocked, requireUsableKey } from "../../shared/operations/admission";
import { retryFromSettings, startEnvironmentOperation } from "../../shared/operations/startOperation";
import { Orchestrations } from "../../shared/operations/names";
import { notFound } from "../../shared/errors";
import { settings } from "../../shared/settings";
import type { RekeyInput } from "../../shared/operations/contracts";

registerRoute(
  { name: "removePolicyEnvironment", method: "DELETE", route: "enterprisePolicies/{name}/environments/{environmentId}", roles: [Roles.PlatformAdmin],
    audit: true, durableClient: true,
    summary: "Remove an environment from the policy: its data returns to the platform-managed key." },
  async ({ params, caller, durable }) => {
    const policy = await requirePolicy(checkPolicyName(params.name));
    requireReader(policy, caller);
    const env = await requireEnvironment(checkEnvironmentId(params.environmentId));
    if (env.encryption.policy !== policy.name) {
      throw notFound("EnvironmentNotOnPolicy", `Environment '${env.id}' is not on enterprise policy '${policy.name}'.`, "environmentId");
    }
    requireUnlocked(env, "remove it from the policy");
    requireNoOperation(env);
    await requireUsableKey(policy);
    const s = settings();
    const started = await startEnvironmentOperation(durable(), {
      environmentId: env.id, kind: "RemoveFromPolicy", orchestration: Orchestrations.removeEnvironmentFromPolicy, initialStatus: env.encryption.status === "Warning" ? "RevertingOnline" : "Reverting",
      policy: policy.name, requestedBy: caller.oid,
      input: (operationId): RekeyInput => ({
        operationId, environmentId: env.id, target: { kind: "PlatformManaged" }, fromPolicy: policy.name,
        parallelism: s.reencryptParallelism, retry: retryFromSettings(), pageSize: s.reencryptPageSize,
        resumeOnline: env.encryption.status === "Warning",
      }),
    });
    return json(202, { operations: [started] });
  },
);
