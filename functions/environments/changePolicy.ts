// POST /api/environments/{id}/changePolicy {"policy": "new"}: move an environment to another
// enterprise policy (another key): revert to the platform key, then add to the new policy. Two
// downtimes, as the reference says. Every rule of both halves is checked before anything starts.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { readJsonObject, requiredString } from "../../shared/http/body";
import { Roles } from "../../shared/domain/roles";
import { checkPolicyName } from "../../shared/domain/policyInput";
import { checkEnvironmentId } from "../../shared/domain/environmentInput";
import { requireEnvironment, requirePolicy } from "../../shared/domain/lookups";
import { requireEligibleForPolicy, requireLicense, requireReader, requireUsableKey } from "../../shared/operations/admission";
import { retryFromSettings, startEnvironmentOperation } from "../../shared/operations/startOperation";
import { Orchestrations } from "../../shared/operations/names";
import { conflict } from "../../shared/errors";
import { settings } from "../../shared/settings";
import type { ChangePolicyInput } from "../../shared/operations/contracts";

registerRoute(
  { name: "changeEnvironmentPolicy", method: "POST", route: "environments/{id}/changePolicy", roles: [Roles.PlatformAdmin],
    audit: true, durableClient: true, body: "json",
    summary: "Move the environment to another enterprise policy: remove, then add (two downtimes)." },
  async ({ request, params, caller, durable }) => {
    const env = await requireEnvironment(checkEnvironmentId(params.id));
    const toPolicy = await requirePolicy(checkPolicyName(requiredString(await readJsonObject(request), "policy")));
    const fromName = env.encryption.policy;
    if (!fromName || env.encryption.keyType !== "CustomerManaged") {
      throw conflict("EnvironmentNotOnPolicy", `Environment '${env.id}' is not encrypted with an enterprise policy; add it to '${toPolicy.name}' instead.`, "id");
    }
    if (fromName === toPolicy.name) throw conflict("SamePolicy", `Environment '${env.id}' is already on enterprise policy '${toPolicy.name}'.`, "policy");
    const fromPolicy = await requirePolicy(fromName);
    requireReader(fromPolicy, caller);
    requireReader(toPolicy, caller);
    await requireLicense();
    // The environment-side rules against the new policy, as if it were on no policy yet.
    requireEligibleForPolicy({ ...env, encryption: { ...env.encryption, policy: undefined } }, toPolicy);
    await requireUsableKey(fromPolicy);
    await requireUsableKey(toPolicy);
    const s = settings();
    const started = await startEnvironmentOperation(durable(), {
      environmentId: env.id, kind: "ChangePolicy", orchestration: Orchestrations.changePolicy, initialStatus: "Reverting",
      policy: fromPolicy.name, targetPolicy: toPolicy.name, requestedBy: caller.oid, operationName: "Change enterprise policy",
      input: (operationId): ChangePolicyInput => ({
        operationId, environmentId: env.id, fromPolicy: fromPolicy.name, toPolicy: toPolicy.name,
        parallelism: s.reencryptParallelism, retry: retryFromSettings(), pageSize: s.reencryptPageSize,
      }),
    });
    return json(202, { operations: [started] });
  },
);
