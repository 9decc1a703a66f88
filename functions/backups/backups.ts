// POST /api/environments/{id}/backups: take a backup (202 {backupId, operationId}; the backup is
// listed as Creating until its operation ends). GET: the environment's backups, oldest first.
// A backup holds the environment's ciphertext as stored and its wrapped DEKs with the key
// versions that wrapped them, never plaintext (shared/backups/layout.ts).
import { randomUUID } from "node:crypto";
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { ADMIN_ROLES, Roles } from "../../shared/domain/roles";
import { checkEnvironmentId } from "../../shared/domain/environmentInput";
import { requireEnvironment } from "../../shared/domain/lookups";
import { requireUnlocked } from "../../shared/operations/admission";
import { startDataOperation } from "../../shared/backups/startDataOperation";
import { services } from "../../shared/services";
import { backupView, operationInput } from "./common";

registerRoute(
  { name: "createBackup", method: "POST", route: "environments/{id}/backups", roles: [Roles.PlatformAdmin], audit: true, durableClient: true,
    summary: "Back up an environment: its ciphertext and wrapped DEKs, under the key versions that wrapped them." },
  async ({ params, caller, durable }) => {
    const env = await requireEnvironment(checkEnvironmentId(params.id));
    requireUnlocked(env, "back it up");
    const backupId = randomUUID();
    const started = await startDataOperation(durable(), {
      environmentId: env.id, kind: "Backup", requestedBy: caller.oid,
      check: (e) => requireUnlocked(e, "back it up"),
      input: (operationId) => operationInput(operationId, { kind: "Backup", environmentId: env.id, backupId }),
    });
    return json(202, { backupId, operationId: started.operationId });
  },
);

registerRoute(
  { name: "listBackups", method: "GET", route: "environments/{id}/backups", roles: ADMIN_ROLES, audit: true,
    summary: "The environment's backups, oldest first, with the key versions each is wrapped under." },
  async ({ params }) => {
    const env = await requireEnvironment(checkEnvironmentId(params.id));
    return json(200, { value: (await services().backups.list(env.id)).map(backupView) });
  },
);
