// GET /api/enterprisePolicies/{name}/keyUsage: each version of the policy's key, what still needs
// it (environments' key rings, backups, the 28/30-day retention rules) and the earliest date it
// can safely be disabled. A version still needed that is disabled or deleted raises a
// KeyVersionStillNeeded alert here too (the daily expiry check raises it without being asked).
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { checkPolicyName } from "../../shared/domain/policyInput";
import { requirePolicy } from "../../shared/domain/lookups";
import { alertOnNeededVersions, collectUsage, keyUsageOf } from "../../shared/backups/keyUsage";

registerRoute(
  { name: "getEnterprisePolicyKeyUsage", method: "GET", route: "enterprisePolicies/{name}/keyUsage", roles: ADMIN_ROLES, audit: true,
    summary: "Each key version: the environments, DEKs and backups that still need it, and the earliest date it can safely be disabled." },
  async ({ params }) => {
    const policy = await requirePolicy(checkPolicyName(params.name));
    const usage = await keyUsageOf(policy, await collectUsage());
    await alertOnNeededVersions(usage);
    return json(200, usage);
  },
);
