// POST /api/environments/{id}/restore {sourceEnvironmentId, backupId}: replace the environment's
// data with a backup's. Only into the environment the backup was taken from, or into another one
// encrypted with the same customer key (else 409 KeyMismatch). Every key of the backup is
// unwrapped first, so a backup whose key version was disabled (or deleted, or revoked) is refused
// at once, naming the version (409 BackupKeyVersionUnusable), before the target is touched.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { readJsonObject, requiredString } from "../../shared/http/body";
import { Roles } from "../../shared/domain/roles";
import { checkEnvironmentId } from "../../shared/domain/environmentInput";
import { requireEnvironment } from "../../shared/domain/lookups";
import { requireNoOperation, requireUnlocked } from "../../shared/operations/admission";
import { requireSameKeyForRestore } from "../../shared/backups/admission";
import { BackupKeyUnusable } from "../../shared/backups/backupKeys";
import { startDataOperation } from "../../shared/backups/startDataOperation";
import { isKeyAccessError } from "../../shared/keyvault";
import { ApiError, conflict } from "../../shared/errors";
import { services } from "../../shared/services";
import { checkBackupId, operationInput } from "./common";

registerRoute(
  { name: "restoreEnvironment", method: "POST", route: "environments/{id}/restore", roles: [Roles.PlatformAdmin], audit: true, durableClient: true, body: "json",
    summary: "Restore a backup into the environment (the one it was taken from, or one on the same customer key); its data is replaced." },
  async ({ request, params, caller, durable }) => {
    const target = await requireEnvironment(checkEnvironmentId(params.id));
    const body = await readJsonObject(request);
    const sourceEnvironmentId = checkEnvironmentId(requiredString(body, "sourceEnvironmentId"));
    const backupId = checkBackupId(body.backupId);
    const { backups } = services();
    const manifest = await backups.completed(sourceEnvironmentId, backupId);
    await requireSameKeyForRestore(target, manifest);
    requireUnlocked(target, "restore into it");
    requireNoOperation(target);
    try {
      await backups.keysOf(manifest).verifyAll();
    } catch (err) {
      if (err instanceof BackupKeyUnusable) throw conflict("BackupKeyVersionUnusable", err.message, "backupId");
      if (isKeyAccessError(err)) throw new ApiError(503, "KeyVaultUnavailable", `The key vault did not answer (${err.vaultCode}); try again shortly.`, "backupId", { "Retry-After": "30" });
      throw err;
    }
    const started = await startDataOperation(durable(), {
      environmentId: target.id, kind: "Restore", requestedBy: caller.oid,
      check: (e) => requireUnlocked(e, "restore into it"),
      input: (operationId) => operationInput(operationId, { kind: "Restore", environmentId: target.id, source: { kind: "backup", environmentId: sourceEnvironmentId, backupId } }),
    });
    return json(202, { operationId: started.operationId });
  },
);
