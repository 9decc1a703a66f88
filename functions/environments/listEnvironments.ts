// GET /api/environments[?policy=name]: all environments, or those on one enterprise policy
// (the reference's "Environments with policies" tab).
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { optional } from "../../shared/http/fields";
import { policyNameField } from "../../shared/http/inputs";
import { environmentSchema, listOf } from "../../shared/http/schemas";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { environmentView } from "../../shared/domain/environmentView";
import { requirePolicy } from "../../shared/state/lookups";

registerRoute(
  { name: "listEnvironments", method: "GET", route: "environments", roles: ADMIN_ROLES, audit: true,
    summary: "List environments; ?policy=name lists those on that enterprise policy.",
    // Checked before the lookup, as every route checks its names: a '/' in it made the Table read
    // fail (500), and Table keys may not hold '\\', '#', '?' or control characters either.
    query: { policy: optional(policyNameField("Only the environments on this enterprise policy.")) },
    responses: { 200: { description: "The environments.", schema: listOf(environmentSchema, "The environments.") } } },
  async ({ query: { policy }, tenant: state }) => {
    if (policy !== undefined) await requirePolicy(state, policy, "policy");
    const all = await state.listEnvironments();
    const chosen = policy === undefined ? all : all.filter((e) => e.encryption.policy === policy);
    return json(200, { value: chosen.map(environmentView) });
  },
);
