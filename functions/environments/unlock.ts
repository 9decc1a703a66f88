// POST /api/environments/{id}/unlock: probe the key now and unlock the environment if the key is
// usable again; otherwise 409 with what the probe found.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { environmentIdField } from "../../shared/http/inputs";
import { environmentSchema } from "../../shared/http/schemas";
import { Roles } from "../../shared/domain/roles";
import { environmentView } from "../../shared/domain/environmentView";
import { requireEnvironment } from "../../shared/state/lookups";
import { reconcilePolicy, lockReasonFor } from "../../shared/locking/keyHealth";
import { conflict } from "../../shared/errors";
import { keyVaultUnavailable } from "../../shared/keys/keyErrors";

registerRoute(
  { name: "unlockEnvironment", method: "POST", route: "environments/{id}/unlock", roles: [Roles.PlatformAdmin], audit: true,
    summary: "Probe the environment's key now and unlock the environment if the key is reachable again.",
    params: { id: environmentIdField() }, responses: { 200: { description: "Unlocked.", schema: environmentSchema } } },
  async ({ params, tenant, services: svc }) => {
    const env = await requireEnvironment(tenant, params.id);
    if (env.state !== "Locked") throw conflict("EnvironmentNotLocked", `Environment '${env.id}' is not locked.`, "id");
    if (!env.encryption.policy) throw conflict("EnvironmentNotOnPolicy", `Environment '${env.id}' has no customer key to probe.`, "id");
    const r = await reconcilePolicy(svc, tenant.tenantId, env.encryption.policy, "UnlockRequest");
    if (!r) throw conflict("PolicyNotFound", `The enterprise policy '${env.encryption.policy}' no longer exists.`, "id");
    if (r.probe.status === "Unreachable") throw keyVaultUnavailable(r.probe.vaultCode, "id");
    if (r.probe.status !== "Healthy") {
      throw conflict("KeyStillInaccessible", `Environment '${env.id}' stays locked: ${lockReasonFor(r.probe)}.`, "id");
    }
    return json(200, environmentView(await requireEnvironment(tenant, env.id)));
  },
);
