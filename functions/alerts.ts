// GET /api/alerts: key expiry, key access lost, locked and locked-too-long, key version still
// needed; newest first (either admin role).
import { registerRoute } from "../shared/http/route";
import { json } from "../shared/http/responses";
import { alertSchema, listOf } from "../shared/http/schemas";
import { ADMIN_ROLES } from "../shared/domain/roles";

registerRoute(
  { name: "listAlerts", method: "GET", route: "alerts", roles: ADMIN_ROLES, audit: true,
    summary: "Alerts: key expiry ahead, key access lost, environments locked (too long), key versions still needed.",
    responses: { 200: { description: "The alerts, newest first.", schema: listOf(alertSchema, "Alerts, newest first.") } } },
  async ({ tenant }) => json(200, { value: await tenant.listAlerts() }),
);
