// What the backup, restore, copy and reset routes share: the input of the data operation
// orchestration from the settings, and backup views.
import { settings } from "../../shared/settings";
import { retryFromSettings } from "../../shared/operations/startOperation";
import type { DataOperationInput } from "../../shared/backups/contracts";
import { isLive, ownersOf, type BackupManifest } from "../../shared/backups/manifest";
import { badRequest } from "../../shared/errors";
import { BACKUP_ID_PATTERN } from "../../shared/backups/layout";

export function operationInput(operationId: string, fields: Omit<DataOperationInput, "operationId" | "retry" | "pageSize" | "parallelism">): DataOperationInput {
  const s = settings();
  return { operationId, retry: retryFromSettings(), pageSize: s.reencryptPageSize, parallelism: s.reencryptParallelism, ...fields };
}

export function checkBackupId(id: unknown): string {
  if (typeof id !== "string" || !BACKUP_ID_PATTERN.test(id)) throw badRequest("InvalidBackupId", "Backup ids are the lower-case GUIDs POST .../backups returned.", "backupId");
  return id;
}

/** A backup as the API shows it: what, when, how much, and under which key versions (never a wrapped key). */
export function backupView(m: BackupManifest): Record<string, unknown> {
  const versions = new Map<string, { keyId: string; keyType: string; policy?: string; retainedUntil?: string }>();
  for (const { copies } of ownersOf(m.keys)) {
    for (const c of copies) {
      if (versions.has(c.keyId)) continue;
      versions.set(c.keyId, { keyId: c.keyId, keyType: c.source.kind, ...(c.source.policy ? { policy: c.source.policy } : {}), ...(!isLive(c) ? { retainedUntil: c.retainUntil } : {}) });
    }
  }
  return {
    backupId: m.backupId, environmentId: m.environmentId, status: m.status, createdAt: m.createdAt, completedAt: m.completedAt ?? null,
    items: m.items, takenUnder: m.takenUnder, deks: m.keys.deks.length, keyVersions: [...versions.values()],
    // The versions that open it now (live copies), for a one-line listing.
    keyIds: [...versions.values()].filter((v) => !v.retainedUntil).map((v) => v.keyId),
  };
}
