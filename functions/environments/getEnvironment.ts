// GET /api/environments/{id}: one environment with its encryption status and progress.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { checkEnvironmentId } from "../../shared/domain/environmentInput";
import { environmentView } from "../../shared/domain/environmentView";
import { requireEnvironment } from "../../shared/domain/lookups";

registerRoute(
  { name: "getEnvironment", method: "GET", route: "environments/{id}", roles: ADMIN_ROLES, audit: true,
    summary: "Get an environment: its state, key type, policy, encryption status and progress." },
  async ({ params }) => json(200, environmentView(await requireEnvironment(checkEnvironmentId(params.id)))),
);
