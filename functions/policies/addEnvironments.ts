// POST /api/enterprisePolicies/{name}/environments {"environmentIds": [...]}: the platform admin
// adds environments to the policy; each starts its own operation (Encrypting -> EncryptingOnline
// -> Encrypted). Every rule is checked for every environment before anything starts, so a
// refused request changes nothing. Rerunning on a Failed or Warning environment resumes it.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { readJsonObject, requiredStringArray } from "../../shared/http/body";
import { Roles } from "../../shared/domain/roles";
import { checkPolicyName } from "../../shared/domain/policyInput";
import { checkEnvironmentId } from "../../shared/domain/environmentInput";
import { requireEnvironment, requirePolicy } from "../../shared/domain/lookups";
import { requireEligibleForPolicy, requireLicense, requireReader, requireUsableKey } from "../../shared/operations/admission";
import { retryFromSettings, startEnvironmentOperation } from "../../shared/operations/startOperation";
import { Orchestrations } from "../../shared/operations/names";
import { badRequest } from "../../shared/errors";
import { settings } from "../../shared/settings";
import type { RekeyInput } from "../../shared/operations/contracts";

registerRoute(
  { name: "addEnvironmentsToPolicy", method: "POST", route: "enterprisePolicies/{name}/environments", roles: [Roles.PlatformAdmin],
    audit: true, durableClient: true, body: "json",
    summary: "Add environments to the policy: their data is re-encrypted under the customer's key (one operation each)." },
  async ({ request, params, caller, durable }) => {
    const policy = await requirePolicy(checkPolicyName(params.name));
    requireReader(policy, caller);
    const body = await readJsonObject(request);
    const ids = requiredStringArray(body, "environmentIds").map(checkEnvironmentId);
    if (new Set(ids).size !== ids.length) throw badRequest("DuplicateEnvironment", "'environmentIds' lists an environment twice.", "environmentIds");
    await requireLicense();
    const envs = await Promise.all(ids.map(requireEnvironment));
    envs.forEach((env) => requireEligibleForPolicy(env, policy));
    await requireUsableKey(policy);

    const s = settings();
    const operations = [];
    for (const env of envs) {
      operations.push(await startEnvironmentOperation(durable(), {
        environmentId: env.id, kind: "AddToPolicy", orchestration: Orchestrations.addEnvironmentToPolicy, initialStatus: env.encryption.status === "Warning" ? "EncryptingOnline" : "Encrypting",
        policy: policy.name, requestedBy: caller.oid,
        input: (operationId): RekeyInput => ({
          operationId, environmentId: env.id, target: { kind: "CustomerManaged", policy: policy.name },
          parallelism: s.reencryptParallelism, retry: retryFromSettings(), pageSize: s.reencryptPageSize,
          // A Warning's core store is done: the rerun needs no downtime (rekeyFlow checks).
          resumeOnline: env.encryption.status === "Warning",
        }),
      }));
    }
    return json(202, { operations });
  },
);
