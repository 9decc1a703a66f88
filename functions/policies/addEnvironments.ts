// POST /api/enterprisePolicies/{name}/environments {"environmentIds": [...]}: the platform admin
// adds environments to the policy; each starts its own operation (Encrypting -> EncryptingOnline
// -> Encrypted; with "downtime": "none", EncryptingOnline from the start). Every rule is checked for every environment before anything starts, so a
// refused request changes nothing. Rerunning on a Failed or Warning environment resumes it.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { addEnvironmentsBody, policyNameField } from "../../shared/http/inputs";
import { startedOperationsSchema } from "../../shared/http/schemas";
import { Roles } from "../../shared/domain/roles";
import { requireEnvironment, requirePolicy } from "../../shared/state/lookups";
import { requireEligibleForPolicy, requireLicense, requireReader, requireUsableKey } from "../../shared/operations/admission";
import { startOperation } from "../../shared/operations/startOperation";
import { confirmPolicyUnchanged } from "../../shared/operations/policyJoin";
import { rekeyStartStatus, resumesOnline } from "../../shared/domain/encryptionStatus";
import { UPDATE_CMK } from "../../shared/state/history";
import { addEnvironmentToPolicy } from "../../orchestrations/addEnvironmentToPolicy";
import { rekeyInput } from "../operationInputs";
import { policyKeySource } from "../../shared/keys/keySources";

registerRoute(
  { name: "addEnvironmentsToPolicy", method: "POST", route: "enterprisePolicies/{name}/environments", roles: [Roles.PlatformAdmin],
    audit: true, durableClient: true, readerRequired: true,
    summary: "Add environments to the policy: their data is re-encrypted under the customer's key (one operation each).",
    params: { name: policyNameField() }, body: { kind: "json", field: addEnvironmentsBody },
    responses: { 202: { description: "Accepted: one operation per environment.", schema: startedOperationsSchema } } },
  async ({ params, body, caller, durable, tenant, services: svc }) => {
    const checked = await tenant.getPolicyWithEtag(params.name);
    const policy = checked?.doc ?? (await requirePolicy(tenant, params.name));
    requireReader(policy, caller);
    await requireLicense(tenant);
    const envs = await Promise.all(body.environmentIds.map((id) => requireEnvironment(tenant, id)));
    envs.forEach((env) => requireEligibleForPolicy(env, policy));
    await requireUsableKey(svc, policy);

    const operations = [];
    for (const env of envs) {
      const status = rekeyStartStatus("CustomerManaged", env.encryption.status, body.downtime);
      operations.push(await startOperation(tenant, durable(), {
        environmentId: env.id, kind: "AddToPolicy", operationName: UPDATE_CMK, orchestration: addEnvironmentToPolicy, policy: policy.name, requestedBy: caller.oid,
        claim: (e) => ({ ...e, encryption: { ...e.encryption, status, policy: policy.name, progress: undefined, warning: undefined } }),
        // The policy must still be the one the rules were checked against (no delete or re-point
        // slipped in), and the caller still its Reader (no revoke did).
        confirm: () => confirmPolicyUnchanged(tenant, policy, checked!.etag, caller.oid),
        // A Warning's core store is done: the rerun needs no downtime (rekeyFlow checks).
        input: (operationId) => rekeyInput(svc.settings, operationId, env, policyKeySource(policy), { resumeOnline: resumesOnline(env.encryption.status), downtime: body.downtime }),
      }));
    }
    return json(202, { operations });
  },
);
