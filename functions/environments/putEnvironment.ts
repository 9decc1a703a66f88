// PUT /api/environments/{id}: create an environment (201), or update its display name and
// Managed flag (200). A new environment gets its key ring at once: a DEK and an index key
// wrapped by the platform-managed key (or, for an environment migrated from the legacy
// bring-your-own-key feature, by the tenant's BYOK key). Region and type never change.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { environmentBody, environmentIdField } from "../../shared/http/inputs";
import { environmentSchema } from "../../shared/http/schemas";
import { Roles } from "../../shared/domain/roles";
import { environmentView } from "../../shared/domain/environmentView";
import { newDataId, type Environment } from "../../shared/domain/environment";
import { conflict } from "../../shared/errors";
import { isKeyAccessError } from "../../shared/keyvault";
import { keyErrorFor } from "../../shared/keys/keyErrors";

registerRoute(
  { name: "putEnvironment", method: "PUT", route: "environments/{id}", roles: [Roles.PlatformAdmin], audit: true,
    summary: "Create an environment (its data starts under the platform-managed key), or update its display name.",
    params: { id: environmentIdField() }, body: { kind: "json", field: environmentBody },
    responses: { 201: { description: "Created.", schema: environmentSchema }, 200: { description: "Updated.", schema: environmentSchema } } },
  async ({ params: { id }, body: input, caller, tenant: state, services: { data, keys } }) => {
    const existing = await state.getEnvironment(id);
    if (existing) {
      if (existing.region !== input.region || existing.type !== input.type) {
        throw conflict("EnvironmentImmutableField", `Environment '${id}' exists in ${existing.region} as ${existing.type}; region and type can't change.`, "id");
      }
      if (existing.managed && !input.managed && existing.encryption.keyType === "CustomerManaged") {
        throw conflict("ManagedEnvironmentRequired", `Environment '${id}' is encrypted with a customer key, which needs Managed Environments; remove it from its policy first.`, "managed");
      }
      const updated = await state.updateEnvironment(id, (e) => ({ ...e, displayName: input.displayName, managed: input.managed }));
      return json(200, environmentView(updated ?? existing));
    }
    const source = { kind: input.keyType } as const;
    // A fresh data id: the environment's data, wherever it lives, names neither the tenant nor the environment.
    const dataId = newDataId();
    let keyId: string;
    try {
      const { wrapper } = await keys.latestWrapper(source);
      await data.initialize(dataId, wrapper, source);
      keyId = wrapper.keyId;
    } catch (err) {
      if (isKeyAccessError(err)) throw keyErrorFor(err, { use: "platformKey", keyType: input.keyType });
      throw err;
    }
    const env: Environment = {
      tenantId: state.tenantId, id, dataId, displayName: input.displayName, region: input.region, type: input.type, managed: input.managed, state: "Enabled",
      encryption: { keyType: input.keyType, keyId, status: input.keyType === "Byok" ? "Encrypted" : "PlatformManaged" },
      createdAt: new Date().toISOString(), createdBy: caller.oid,
    };
    if (!(await state.createEnvironment(env))) return json(200, environmentView((await state.getEnvironment(id)) ?? env));
    return json(201, environmentView(env));
  },
);
