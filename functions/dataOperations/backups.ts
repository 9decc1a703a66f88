// POST /api/environments/{id}/backups: take a backup (202 {backupId, operationId}; the backup is
// listed as Creating until its operation ends). GET: the environment's backups, oldest first.
// A backup holds the environment's ciphertext as stored and its wrapped DEKs with the key
// versions that wrapped them, never plaintext (shared/dataOperations/layout.ts).
import { backupHomeOf } from "../../shared/domain/environment";
import { randomUUID } from "node:crypto";
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { environmentIdField } from "../../shared/http/inputs";
import { backupSchema, backupStartedSchema, listOf } from "../../shared/http/schemas";
import { ADMIN_ROLES, Roles } from "../../shared/domain/roles";
import { requireEnvironment } from "../../shared/state/lookups";
import { requireUnlocked } from "../../shared/operations/admission";
import { startOperation } from "../../shared/operations/startOperation";
import { DATA_OPERATION_NAMES } from "../../shared/dataOperations/contracts";
import { backupEnvironment } from "../../orchestrations/backupEnvironment";
import { dataOperationInput } from "../operationInputs";
import { backupView } from "./common";

registerRoute(
  { name: "createBackup", method: "POST", route: "environments/{id}/backups", roles: [Roles.PlatformAdmin], audit: true, durableClient: true,
    summary: "Back up an environment: its ciphertext and wrapped DEKs, under the key versions that wrapped them.",
    params: { id: environmentIdField() }, responses: { 202: { description: "Accepted: the backup is Creating until its operation ends.", schema: backupStartedSchema } } },
  async ({ params, caller, durable, tenant, services: svc }) => {
    const env = await requireEnvironment(tenant, params.id);
    requireUnlocked(env, "back it up");
    const backupId = randomUUID();
    const started = await startOperation(tenant, durable(), {
      environmentId: env.id, kind: "Backup", operationName: DATA_OPERATION_NAMES.Backup, orchestration: backupEnvironment, requestedBy: caller.oid,
      check: (e) => requireUnlocked(e, "back it up"),
      input: (operationId) => dataOperationInput(svc.settings, operationId, env, { kind: "Backup", backupId }),
    });
    return json(202, { backupId, operationId: started.operationId });
  },
);

registerRoute(
  { name: "listBackups", method: "GET", route: "environments/{id}/backups", roles: ADMIN_ROLES, audit: true,
    summary: "The environment's backups, oldest first, with the key versions each is wrapped under.",
    params: { id: environmentIdField() }, responses: { 200: { description: "The backups.", schema: listOf(backupSchema, "Backups, oldest first.") } } },
  async ({ params, tenant, services: svc }) => {
    const env = await requireEnvironment(tenant, params.id);
    return json(200, { value: (await svc.backups.list(backupHomeOf(env))).map((m) => backupView(m, env.id)) });
  },
);
