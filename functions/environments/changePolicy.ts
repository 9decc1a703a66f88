// POST /api/environments/{id}/changePolicy {"policy": "new"}: move an environment to another
// enterprise policy (another key): revert to the platform key, then add to the new policy. Two
// downtimes, as the reference says (none with "downtime": "none"). Every rule of both halves is checked before anything starts.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { changePolicyBody, environmentIdField } from "../../shared/http/inputs";
import { startedOperationsSchema } from "../../shared/http/schemas";
import { Roles } from "../../shared/domain/roles";
import { requireEnvironment, requirePolicy } from "../../shared/state/lookups";
import { requireEligibleForPolicy, requireLicense, requireReader, requireUsableKey } from "../../shared/operations/admission";
import { startOperation } from "../../shared/operations/startOperation";
import { confirmPolicyUnchanged } from "../../shared/operations/policyJoin";
import { REKEY_STATUSES } from "../../shared/domain/encryptionStatus";
import { conflict } from "../../shared/errors";
import { changePolicy } from "../../orchestrations/changePolicy";
import { changePolicyInput } from "../operationInputs";

registerRoute(
  { name: "changeEnvironmentPolicy", method: "POST", route: "environments/{id}/changePolicy", roles: [Roles.PlatformAdmin],
    audit: true, durableClient: true, readerRequired: true,
    summary: "Move the environment to another enterprise policy: remove, then add (two downtimes).",
    params: { id: environmentIdField() }, body: { kind: "json", field: changePolicyBody },
    responses: { 202: { description: "Accepted.", schema: startedOperationsSchema } } },
  async ({ params, body, caller, durable, tenant, services: svc }) => {
    const env = await requireEnvironment(tenant, params.id);
    const checked = await tenant.getPolicyWithEtag(body.policy);
    const toPolicy = checked?.doc ?? (await requirePolicy(tenant, body.policy, "policy"));
    const fromName = env.encryption.policy;
    if (!fromName || env.encryption.keyType !== "CustomerManaged") {
      throw conflict("EnvironmentNotOnPolicy", `Environment '${env.id}' is not encrypted with an enterprise policy; add it to '${toPolicy.name}' instead.`, "id");
    }
    if (fromName === toPolicy.name) throw conflict("SamePolicy", `Environment '${env.id}' is already on enterprise policy '${toPolicy.name}'.`, "policy");
    const fromPolicy = await requirePolicy(tenant, fromName);
    requireReader(fromPolicy, caller);
    requireReader(toPolicy, caller);
    await requireLicense(tenant);
    // The environment-side rules against the new policy, as if it were on no policy yet.
    requireEligibleForPolicy({ ...env, encryption: { ...env.encryption, policy: undefined } }, toPolicy);
    await requireUsableKey(svc, fromPolicy);
    await requireUsableKey(svc, toPolicy);
    const started = await startOperation(tenant, durable(), {
      environmentId: env.id, kind: "ChangePolicy", operationName: "Change enterprise policy", orchestration: changePolicy,
      policy: fromPolicy.name, targetPolicy: toPolicy.name, requestedBy: caller.oid,
      // The new policy is in use from here (environmentsOnPolicy counts `joining`), though the
      // environment names it only once the add half begins: no delete or re-point of it can
      // land while the remove half runs.
      claim: (e, operationId) => ({ ...e, encryption: {
        ...e.encryption, status: REKEY_STATUSES.PlatformManaged[body.downtime === "none" ? "online" : "downtime"], progress: undefined, warning: undefined,
        joining: { policy: toPolicy.name, operationId },
      } }),
      // The policy must still be the one checked, and the caller still its Reader, once the claim
      // makes it in use: a delete, re-point or revoke that came first refuses the change.
      confirm: () => confirmPolicyUnchanged(tenant, toPolicy, checked!.etag, caller.oid),
      input: (operationId) => changePolicyInput(svc.settings, operationId, env, fromPolicy.name, toPolicy.name, body.downtime),
    });
    return json(202, { operations: [started] });
  },
);
