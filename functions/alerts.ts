// GET /api/alerts: key expiry, key access lost, locked and locked-too-long, key version still
// needed; newest first (either admin role).
import { registerRoute } from "../shared/http/route";
import { json } from "../shared/http/responses";
import { ADMIN_ROLES } from "../shared/domain/roles";
import { listAlerts } from "../shared/alerts/alerts";

registerRoute(
  { name: "listAlerts", method: "GET", route: "alerts", roles: ADMIN_ROLES, audit: true,
    summary: "Alerts: key expiry ahead, key access lost, environments locked (too long), key versions still needed." },
  async () => json(200, { value: await listAlerts() }),
);
