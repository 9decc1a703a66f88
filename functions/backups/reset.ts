// POST /api/environments/{id}/reset: delete the environment's data and backups and return it to
// the platform-managed key (a new key ring: new DEK, new index key), off its policy. Allowed on a
// locked environment too: nothing of the old data is read, and the lock was about a key the
// environment no longer uses.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { Roles } from "../../shared/domain/roles";
import { checkEnvironmentId } from "../../shared/domain/environmentInput";
import { requireEnvironment } from "../../shared/domain/lookups";
import { requireNoOperation } from "../../shared/operations/admission";
import { startDataOperation } from "../../shared/backups/startDataOperation";
import { settings } from "../../shared/settings";
import { operationInput } from "./common";

registerRoute(
  { name: "resetEnvironment", method: "POST", route: "environments/{id}/reset", roles: [Roles.PlatformAdmin], audit: true, durableClient: true,
    summary: "Delete the environment's data and backups; it returns to the platform-managed key." },
  async ({ params, caller, durable }) => {
    const env = await requireEnvironment(checkEnvironmentId(params.id));
    requireNoOperation(env);
    const started = await startDataOperation(durable(), {
      environmentId: env.id, kind: "Reset", requestedBy: caller.oid,
      input: (operationId) => operationInput(operationId, { kind: "Reset", environmentId: env.id, settleSeconds: settings().dekCacheTtlSeconds }),
    });
    return json(202, { operationId: started.operationId });
  },
);
