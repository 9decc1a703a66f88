// Deleting an environment that stayed locked past the reference's deadline (7 days for a
// sandbox, 30 for production), only where KEYWARD_DELETE_LOCKED_ENVIRONMENTS allows it: its
// records, files, backups and key ring are deleted as a retired generation is (generations.ts:
// table and container in one call each, backups in pages), then the environment itself goes. Its history stays, with an entry saying what happened and why.
import { randomUUID } from "node:crypto";
import type { AppServices } from "../appServices";
import { trackEvent } from "../telemetry";
import type { Environment } from "../domain/environment";
import { deleteRetiredWhole } from "./generations";

export async function deleteLockedEnvironment(deps: Pick<AppServices, "state" | "backups" | "dekCache">, env: Environment, deadline: Date): Promise<boolean> {
  const { backups } = deps;
  const state = deps.state.forTenant(env.tenantId);
  const operationId = randomUUID();
  // Claim it atomically, and only as it was judged: still locked since then, nothing running.
  let claimed = false;
  await state.updateEnvironment(env.id, (e) => {
    if (e.state !== "Locked" || e.lockedSince !== env.lockedSince || e.encryption.activeOperationId) return undefined;
    claimed = true;
    return { ...e, encryption: { ...e.encryption, activeOperationId: operationId } };
  });
  if (!claimed) return false;
  const startedAt = new Date().toISOString();
  // Its data goes as a retired generation does (table and container in one call each, backups in
  // pages), with the generations a reset, restore or copy left to delete (its cleanup cut short)
  // and the backups kept where a restore or copy left them.
  let backupsDeleted = 0;
  for (const retired of [env.dataId, ...(env.retiredDataIds ?? []), ...(env.backupsDataId ? [env.backupsDataId] : [])]) backupsDeleted += (await deleteRetiredWhole(backups.context, retired)).backupsDeleted;
  deps.dekCache.purgeByScope(env.dataId);
  await state.deleteAllMembers(env.id);
  await state.deleteEnvironment(env.id);
  const endedAt = new Date().toISOString();
  await state.recordOperation({
    operationId, environmentId: env.id, operation: "Delete locked environment", kind: "DeleteLockedEnvironment", status: "Succeeded",
    startedAt, endedAt, policy: env.encryption.policy,
    steps: [{ name: "Delete data, backups and keys", status: "Succeeded", startedAt, endedAt,
      detail: `locked since ${env.lockedSince} (${env.encryption.lockedReason ?? "key access lost"}); deadline ${deadline.toISOString()}; ${backupsDeleted} backup(s) deleted` }],
  });
  trackEvent("keyward.environment.deleted", { environmentId: env.id, reason: "LockedTooLong" });
  await state.raiseAlert(`locked-deleted|${env.id}|${env.lockedSince}`, {
    kind: "LockedTooLong", severity: "Critical", environmentId: env.id, policy: env.encryption.policy, dueAt: deadline.toISOString(),
    message: `Environment ${env.id} was deleted: it stayed locked from ${env.lockedSince} past its deadline ${deadline.toISOString()}. Its data and backups are gone.`,
  });
  return true;
}
