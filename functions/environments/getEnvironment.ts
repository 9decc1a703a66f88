// GET /api/environments/{id}: one environment with its encryption status and progress.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { environmentIdField } from "../../shared/http/inputs";
import { environmentSchema } from "../../shared/http/schemas";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { environmentView } from "../../shared/domain/environmentView";
import { requireEnvironment } from "../../shared/state/lookups";

registerRoute(
  { name: "getEnvironment", method: "GET", route: "environments/{id}", roles: ADMIN_ROLES, audit: true,
    summary: "Get an environment: its state, key type, policy, encryption status and progress.",
    params: { id: environmentIdField() }, responses: { 200: { description: "The environment.", schema: environmentSchema } } },
  async ({ params, tenant }) => json(200, environmentView(await requireEnvironment(tenant, params.id))),
);
