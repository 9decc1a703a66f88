// GET /api/enterprisePolicies/{name}/keyUsage: each version of the policy's key, what still needs
// it (environments' key rings, backups, the 28/30-day retention rules) and the earliest date it
// can safely be disabled. A version still needed that is disabled or deleted raises a
// KeyVersionStillNeeded alert here too (the daily expiry check raises it without being asked).
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { policyNameField } from "../../shared/http/inputs";
import { keyUsageSchema } from "../../shared/http/schemas";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { requirePolicy } from "../../shared/state/lookups";
import { alertOnNeededVersions, collectUsage, keyUsageOf } from "../../shared/dataOperations/keyUsage";

registerRoute(
  { name: "getEnterprisePolicyKeyUsage", method: "GET", route: "enterprisePolicies/{name}/keyUsage", roles: ADMIN_ROLES, audit: true,
    summary: "Each key version: the environments, DEKs and backups that still need it, and the earliest date it can safely be disabled.",
    params: { name: policyNameField() }, responses: { 200: { description: "The key's versions and what needs each.", schema: keyUsageSchema } } },
  async ({ params, tenant, services: svc }) => {
    const policy = await requirePolicy(tenant, params.name);
    const usage = await keyUsageOf(svc, policy, await collectUsage(svc, tenant.tenantId));
    await alertOnNeededVersions(svc, tenant.tenantId, usage);
    return json(200, usage);
  },
);
