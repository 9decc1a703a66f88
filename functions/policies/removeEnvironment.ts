// DELETE /api/enterprisePolicies/{name}/environments/{environmentId}: return the environment to
// the platform key (Reverting -> RevertingOnline -> PlatformManaged; with ?downtime=none,
// RevertingOnline from the start). The customer key must still
// be usable: the environment's DEKs are unwrapped with it one last time.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { downtimeField, environmentIdField, policyNameField } from "../../shared/http/inputs";
import { startedOperationsSchema } from "../../shared/http/schemas";
import { Roles } from "../../shared/domain/roles";
import { requireEnvironment, requirePolicy } from "../../shared/state/lookups";
import { requireNoOperation, requireReader, requireUnlocked, requireUsableKey } from "../../shared/operations/admission";
import { startOperation } from "../../shared/operations/startOperation";
import { rekeyStartStatus, resumesOnline } from "../../shared/domain/encryptionStatus";
import { UPDATE_CMK } from "../../shared/state/history";
import { notFound } from "../../shared/errors";
import { removeEnvironmentFromPolicy } from "../../orchestrations/removeEnvironmentFromPolicy";
import { rekeyInput } from "../operationInputs";

registerRoute(
  { name: "removePolicyEnvironment", method: "DELETE", route: "enterprisePolicies/{name}/environments/{environmentId}", roles: [Roles.PlatformAdmin],
    audit: true, durableClient: true, readerRequired: true,
    summary: "Remove an environment from the policy: its data returns to the platform-managed key.",
    params: { name: policyNameField(), environmentId: environmentIdField() },
    query: { downtime: downtimeField },
    responses: { 202: { description: "Accepted.", schema: startedOperationsSchema } } },
  async ({ params, query, caller, durable, tenant, services: svc }) => {
    const policy = await requirePolicy(tenant, params.name);
    requireReader(policy, caller);
    const env = await requireEnvironment(tenant, params.environmentId, "environmentId");
    if (env.encryption.policy !== policy.name) {
      throw notFound("EnvironmentNotOnPolicy", `Environment '${env.id}' is not on enterprise policy '${policy.name}'.`, "environmentId");
    }
    requireUnlocked(env, "remove it from the policy");
    requireNoOperation(env);
    await requireUsableKey(svc, policy);
    const status = rekeyStartStatus("PlatformManaged", env.encryption.status, query.downtime);
    const started = await startOperation(tenant, durable(), {
      environmentId: env.id, kind: "RemoveFromPolicy", operationName: UPDATE_CMK, orchestration: removeEnvironmentFromPolicy, policy: policy.name, requestedBy: caller.oid,
      claim: (e) => ({ ...e, encryption: { ...e.encryption, status, progress: undefined, warning: undefined } }),
      input: (operationId) => rekeyInput(svc.settings, operationId, env, { kind: "PlatformManaged" }, { fromPolicy: policy.name, resumeOnline: resumesOnline(env.encryption.status), downtime: query.downtime }),
    });
    return json(202, { operations: [started] });
  },
);
