// POST /api/environments/{id}/copy {sourceEnvironmentId}: replace the environment's data with a
// copy of another environment's. Only between environments encrypted with the same customer key
// (else 409 KeyMismatch). The items are re-encrypted for the target, never copied as ciphertext.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { copyBody, environmentIdField } from "../../shared/http/inputs";
import { startedOperationSchema } from "../../shared/http/schemas";
import { Roles } from "../../shared/domain/roles";
import { requireEnvironment } from "../../shared/state/lookups";
import { requireNoOperation, requireUnlocked } from "../../shared/operations/admission";
import { requireSameKeyForCopy } from "../../shared/dataOperations/admission";
import { startOperation } from "../../shared/operations/startOperation";
import { DATA_OPERATION_FLAGS, DATA_OPERATION_NAMES } from "../../shared/dataOperations/contracts";
import { invalid } from "../../shared/errors";
import { transferEnvironmentData } from "../../orchestrations/transferEnvironmentData";
import { dataOperationInput } from "../operationInputs";

registerRoute(
  { name: "copyEnvironment", method: "POST", route: "environments/{id}/copy", roles: [Roles.PlatformAdmin], audit: true, durableClient: true,
    summary: "Copy another environment's data into this one (both on the same customer key); this one's data is replaced.",
    params: { id: environmentIdField() }, body: { kind: "json", field: copyBody },
    responses: { 202: { description: "Accepted.", schema: startedOperationSchema } } },
  async ({ params, body: { sourceEnvironmentId }, caller, durable, tenant, services: svc }) => {
    const target = await requireEnvironment(tenant, params.id);
    if (sourceEnvironmentId === target.id) throw invalid("SameEnvironment", "An environment can't be copied into itself.", "sourceEnvironmentId");
    // Found in the caller's tenant only: a copy never crosses tenants.
    const source = await requireEnvironment(tenant, sourceEnvironmentId, "sourceEnvironmentId");
    await requireSameKeyForCopy(svc.keys, source, target);
    requireUnlocked(source, "copy it");
    requireUnlocked(target, "copy into it");
    requireNoOperation(source);
    requireNoOperation(target);
    const started = await startOperation(tenant, durable(), {
      environmentId: target.id, kind: "Copy", operationName: DATA_OPERATION_NAMES.Copy, orchestration: transferEnvironmentData, requestedBy: caller.oid,
      check: (e) => requireUnlocked(e, "copy into it"),
      claim: (e) => ({ ...e, dataOperation: DATA_OPERATION_FLAGS.Copy }),
      input: (operationId) => dataOperationInput(svc.settings, operationId, target, { kind: "Copy", source: { kind: "environment", environmentId: source.id, dataId: source.dataId } }),
    });
    return json(202, { operationId: started.operationId });
  },
);
