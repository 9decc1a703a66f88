// GET /api/health: anonymous; 200 when every component keyward depends on answers, 503 otherwise,
// with the state of each. It reveals no names, keys or data.
import { registerRoute } from "../shared/http/route";
import { json } from "../shared/http/responses";
import { healthSchema } from "../shared/http/schemas";
import { checkComponents } from "../shared/health";

registerRoute(
  { name: "health", method: "GET", route: "health", roles: [], audit: false,
    summary: "Liveness and the state of each dependency (storage, token issuer, platform key vault).",
    responses: { 200: { description: "Every component answers.", schema: healthSchema }, 503: { description: "Some component does not.", schema: healthSchema } } },
  async ({ services }) => {
    const components = await checkComponents(services.settings);
    const healthy = Object.values(components).every((c) => c.status === "Healthy");
    return json(healthy ? 200 : 503, { status: healthy ? "Healthy" : "Unhealthy", components, checkedAt: new Date().toISOString() });
  },
);
