// POST /api/environments/{id}/reset: delete the environment's data and backups and return it to
// the platform-managed key (a new key ring: new DEK, new index key), off its policy. Allowed on a
// locked environment too: nothing of the old data is read, and the lock was about a key the
// environment no longer uses.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { environmentIdField } from "../../shared/http/inputs";
import { startedOperationSchema } from "../../shared/http/schemas";
import { Roles } from "../../shared/domain/roles";
import { requireEnvironment } from "../../shared/state/lookups";
import { requireNoOperation } from "../../shared/operations/admission";
import { startOperation } from "../../shared/operations/startOperation";
import { DATA_OPERATION_FLAGS, DATA_OPERATION_NAMES } from "../../shared/dataOperations/contracts";
import { resetEnvironment } from "../../orchestrations/resetEnvironment";
import { dataOperationInput } from "../operationInputs";

registerRoute(
  { name: "resetEnvironment", method: "POST", route: "environments/{id}/reset", roles: [Roles.PlatformAdmin], audit: true, durableClient: true,
    summary: "Delete the environment's data and backups; it returns to the platform-managed key.",
    params: { id: environmentIdField() }, responses: { 202: { description: "Accepted.", schema: startedOperationSchema } } },
  async ({ params, caller, durable, tenant, services: svc }) => {
    const env = await requireEnvironment(tenant, params.id);
    requireNoOperation(env);
    const started = await startOperation(tenant, durable(), {
      environmentId: env.id, kind: "Reset", operationName: DATA_OPERATION_NAMES.Reset, orchestration: resetEnvironment, requestedBy: caller.oid,
      claim: (e) => ({ ...e, dataOperation: DATA_OPERATION_FLAGS.Reset }),
      input: (operationId) => dataOperationInput(svc.settings, operationId, env, { kind: "Reset", settleSeconds: svc.settings.dekCacheTtlSeconds }),
    });
    return json(202, { operationId: started.operationId });
  },
);
