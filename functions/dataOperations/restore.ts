// POST /api/environments/{id}/restore {sourceEnvironmentId, backupId}: replace the environment's
// data with a backup's. Only into the environment the backup was taken from, or into another one
// encrypted with the same customer key (else 409 KeyMismatch). Every key of the backup is
// unwrapped first, so a backup whose key version was disabled (or deleted, or revoked) is refused
// at once, naming the version (409 BackupKeyVersionUnusable), before the target is touched.
import { backupHomeOf } from "../../shared/domain/environment";
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { environmentIdField, restoreBody } from "../../shared/http/inputs";
import { startedOperationSchema } from "../../shared/http/schemas";
import { Roles } from "../../shared/domain/roles";
import { requireEnvironment } from "../../shared/state/lookups";
import { requireNoOperation, requireUnlocked } from "../../shared/operations/admission";
import { requireSameKeyForRestore } from "../../shared/dataOperations/admission";
import { BackupKeyUnusable } from "../../shared/dataOperations/backupKeys";
import { startOperation } from "../../shared/operations/startOperation";
import { DATA_OPERATION_FLAGS, DATA_OPERATION_NAMES } from "../../shared/dataOperations/contracts";
import { isKeyAccessError } from "../../shared/keyvault";
import { conflict } from "../../shared/errors";
import { keyErrorFor } from "../../shared/keys/keyErrors";
import { transferEnvironmentData } from "../../orchestrations/transferEnvironmentData";
import { dataOperationInput } from "../operationInputs";

registerRoute(
  { name: "restoreEnvironment", method: "POST", route: "environments/{id}/restore", roles: [Roles.PlatformAdmin], audit: true, durableClient: true,
    summary: "Restore a backup into the environment (the one it was taken from, or one on the same customer key); its data is replaced.",
    params: { id: environmentIdField() }, body: { kind: "json", field: restoreBody },
    responses: { 202: { description: "Accepted.", schema: startedOperationSchema } } },
  async ({ params, body: { sourceEnvironmentId, backupId }, caller, durable, tenant, services: svc }) => {
    const target = await requireEnvironment(tenant, params.id);
    // The source is found in the caller's tenant only: a backup never crosses tenants.
    const source = await requireEnvironment(tenant, sourceEnvironmentId, "sourceEnvironmentId");
    const manifest = await svc.backups.completed(backupHomeOf(source), backupId);
    await requireSameKeyForRestore(svc.keys, target, manifest);
    requireUnlocked(target, "restore into it");
    requireNoOperation(target);
    try {
      await svc.backups.keysOf(manifest).verifyAll();
    } catch (err) {
      if (err instanceof BackupKeyUnusable) throw conflict("BackupKeyVersionUnusable", err.message, "backupId");
      if (isKeyAccessError(err)) throw keyErrorFor(err, { use: "backupKeys" });
      throw err;
    }
    const started = await startOperation(tenant, durable(), {
      environmentId: target.id, kind: "Restore", operationName: DATA_OPERATION_NAMES.Restore, orchestration: transferEnvironmentData, requestedBy: caller.oid,
      check: (e) => requireUnlocked(e, "restore into it"),
      claim: (e) => ({ ...e, dataOperation: DATA_OPERATION_FLAGS.Restore }),
      input: (operationId) => dataOperationInput(svc.settings, operationId, target, { kind: "Restore", source: { kind: "backup", environmentId: source.id, dataId: backupHomeOf(source), backupId } }),
    });
    return json(202, { operationId: started.operationId });
  },
);
