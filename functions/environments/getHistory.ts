// GET /api/environments/{id}/history: the environment's operations, newest first, as the
// reference's History page shows them ("Update Customer Managed Key": Running, Succeeded, Failed).
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { environmentIdField } from "../../shared/http/inputs";
import { listOf, operationSchema } from "../../shared/http/schemas";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { requireEnvironment } from "../../shared/state/lookups";
import { operationView } from "../../shared/domain/operationView";

registerRoute(
  { name: "getEnvironmentHistory", method: "GET", route: "environments/{id}/history", roles: ADMIN_ROLES, audit: true,
    summary: "The environment's operations, newest first: status, start, end, steps, progress and error.",
    params: { id: environmentIdField() }, responses: { 200: { description: "The history.", schema: listOf(operationSchema, "Operations, newest first.") } } },
  async ({ params, tenant: state }) => {
    const env = await requireEnvironment(state, params.id);
    return json(200, { value: (await state.listHistory(env.id)).map(operationView) });
  },
);
