// POST /api/environments/{id}/enableManaged: turn on Managed Environments, which the reference
// requires before an environment can be added to an enterprise policy.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { Roles } from "../../shared/domain/roles";
import { checkEnvironmentId } from "../../shared/domain/environmentInput";
import { environmentView } from "../../shared/domain/environmentView";
import { requireEnvironment } from "../../shared/domain/lookups";
import { services } from "../../shared/services";

registerRoute(
  { name: "enableManagedEnvironment", method: "POST", route: "environments/{id}/enableManaged", roles: [Roles.PlatformAdmin], audit: true,
    summary: "Enable Managed Environments on an environment (required before adding it to an enterprise policy)." },
  async ({ params }) => {
    const id = checkEnvironmentId(params.id);
    await requireEnvironment(id);
    const env = await services().state.updateEnvironment(id, (e) => (e.managed ? undefined : { ...e, managed: true }));
    return json(200, environmentView(env ?? (await requireEnvironment(id))));
  },
);
