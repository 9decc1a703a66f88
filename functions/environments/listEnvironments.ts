// GET /api/environments[?policy=name]: all environments, or those on one enterprise policy
// (the reference's "Environments with policies" tab).
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { environmentView } from "../../shared/domain/environmentView";
import { services } from "../../shared/services";
import { requirePolicy } from "../../shared/domain/lookups";
import { POLICY_NAME_PATTERN } from "../../shared/domain/policy";
import { badRequest } from "../../shared/errors";

registerRoute(
  { name: "listEnvironments", method: "GET", route: "environments", roles: ADMIN_ROLES, audit: true,
    summary: "List environments; ?policy=name lists those on that enterprise policy." },
  async ({ request }) => {
    const policy = request.query.get("policy");
    // Checked before the lookup, as every route checks its names: a '/' in it made the Table read fail (500),
    // and Table keys may not hold '\\', '#', '?' or control characters either.
    if (policy !== null && !POLICY_NAME_PATTERN.test(policy)) {
      throw badRequest("InvalidPolicyName", "'policy' must be an enterprise policy name: 1 to 64 letters, digits, '-' and '_', starting with a letter or digit.", "policy");
    }
    if (policy !== null) await requirePolicy(policy);
    const all = await services().state.listEnvironments();
    const chosen = policy === null ? all : all.filter((e) => e.encryption.policy === policy);
    return json(200, { value: chosen.map(environmentView) });
  },
);
