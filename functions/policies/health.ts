// GET /api/enterprisePolicies/{name}/health: a live probe of the policy's key, done as the
// policy's identity exactly as keyward uses it (get, wrap, unwrap).
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { policyNameField } from "../../shared/http/inputs";
import { keyProbeSchema } from "../../shared/http/schemas";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { requirePolicy } from "../../shared/state/lookups";
import { probePolicyKey } from "../../shared/locking/keyHealth";

registerRoute(
  { name: "getEnterprisePolicyHealth", method: "GET", route: "enterprisePolicies/{name}/health", roles: ADMIN_ROLES, audit: true,
    summary: "Probe the policy's key now (wrap and unwrap as the policy's identity): Healthy, Forbidden, Disabled, Expired, NotFound or Unreachable.",
    params: { name: policyNameField() }, responses: { 200: { description: "The probe's finding.", schema: keyProbeSchema } } },
  async ({ params, tenant, services: svc }) => {
    const probe = await probePolicyKey(svc, await requirePolicy(tenant, params.name));
    return json(200, {
      keyId: probe.keyId, status: probe.status, expiresOn: probe.expiresOn?.toISOString() ?? null, checkedAt: probe.checkedAt.toISOString(),
      ...(probe.vaultCode ? { vaultCode: probe.vaultCode } : {}),
    });
  },
);
