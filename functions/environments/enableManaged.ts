// POST /api/environments/{id}/enableManaged: turn on Managed Environments, which the reference
// requires before an environment can be added to an enterprise policy.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { environmentIdField } from "../../shared/http/inputs";
import { environmentSchema } from "../../shared/http/schemas";
import { Roles } from "../../shared/domain/roles";
import { environmentView } from "../../shared/domain/environmentView";
import { requireEnvironment } from "../../shared/state/lookups";

registerRoute(
  { name: "enableManagedEnvironment", method: "POST", route: "environments/{id}/enableManaged", roles: [Roles.PlatformAdmin], audit: true,
    summary: "Enable Managed Environments on an environment (required before adding it to an enterprise policy).",
    params: { id: environmentIdField() }, responses: { 200: { description: "The environment.", schema: environmentSchema } } },
  async ({ params: { id }, tenant: state }) => {
    await requireEnvironment(state, id);
    const env = await state.updateEnvironment(id, (e) => (e.managed ? undefined : { ...e, managed: true }));
    return json(200, environmentView(env ?? (await requireEnvironment(state, id))));
  },
);
