// POST /api/environments/{id}/unlock: probe the key now and unlock the environment if the key is
// usable again; otherwise 409 with what the probe found.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { Roles } from "../../shared/domain/roles";
import { checkEnvironmentId } from "../../shared/domain/environmentInput";
import { environmentView } from "../../shared/domain/environmentView";
import { requireEnvironment } from "../../shared/domain/lookups";
import { reconcilePolicy, lockReasonFor } from "../../shared/locking/keyHealth";
import { ApiError, conflict } from "../../shared/errors";

registerRoute(
  { name: "unlockEnvironment", method: "POST", route: "environments/{id}/unlock", roles: [Roles.PlatformAdmin], audit: true,
    summary: "Probe the environment's key now and unlock the environment if the key is reachable again." },
  async ({ params }) => {
    const env = await requireEnvironment(checkEnvironmentId(params.id));
    if (env.state !== "Locked") throw conflict("EnvironmentNotLocked", `Environment '${env.id}' is not locked.`, "id");
    if (!env.encryption.policy) throw conflict("EnvironmentNotOnPolicy", `Environment '${env.id}' has no customer key to probe.`, "id");
    const r = await reconcilePolicy(env.encryption.policy, "UnlockRequest");
    if (!r) throw conflict("PolicyNotFound", `The enterprise policy '${env.encryption.policy}' no longer exists.`, "id");
    if (r.probe.status === "Unreachable") {
      throw new ApiError(503, "KeyVaultUnavailable", `The key vault did not answer (${r.probe.vaultCode ?? "no answer"}); try again shortly.`, "id", { "Retry-After": "30" });
    }
    if (r.probe.status !== "Healthy") {
      throw conflict("KeyStillInaccessible", `Environment '${env.id}' stays locked: ${lockReasonFor(r.probe)}.`, "id");
    }
    return json(200, environmentView(await requireEnvironment(env.id)));
  },
);
