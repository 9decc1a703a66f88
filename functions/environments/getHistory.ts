// GET /api/environments/{id}/history: the environment's operations, newest first, as the
// reference's History page shows them ("Update Customer Managed Key": Running, Succeeded, Failed).
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { checkEnvironmentId } from "../../shared/domain/environmentInput";
import { requireEnvironment } from "../../shared/domain/lookups";
import { services } from "../../shared/services";
import { operationView } from "../../shared/domain/operationView";

registerRoute(
  { name: "getEnvironmentHistory", method: "GET", route: "environments/{id}/history", roles: ADMIN_ROLES, audit: true,
    summary: "The environment's operations, newest first: status, start, end, steps, progress and error." },
  async ({ params }) => {
    const env = await requireEnvironment(checkEnvironmentId(params.id));
    const history = await services().state.listHistory(env.id);
    return json(200, { value: history.map(operationView) });
  },
);
