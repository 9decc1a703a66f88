// GET /api/environments[?policy=name]: all environments, or those on one enterprise policy
// (the reference's "Environments with policies" tab).
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { environmentView } from "../../shared/domain/environmentView";
import { services } from "../../shared/services";
import { requirePolicy } from "../../shared/domain/lookups";

registerRoute(
  { name: "listEnvironments", method: "GET", route: "environments", roles: ADMIN_ROLES, audit: true,
    summary: "List environments; ?policy=name lists those on that enterprise policy." },
  async ({ request }) => {
    const policy = request.query.get("policy");
    if (policy !== null) await requirePolicy(policy);
    const all = await services().state.listEnvironments();
    const chosen = policy === null ? all : all.filter((e) => e.encryption.policy === policy);
    return json(200, { value: chosen.map(environmentView) });
  },
);
