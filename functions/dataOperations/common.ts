// What the backup, restore, copy and reset routes share: the backup view.
import { isLive, ownersOf, type BackupManifest } from "../../shared/dataOperations/manifest";

/** A backup as the API shows it: what, when, how much, and under which key versions (never a wrapped key). */
/** `environmentId`: the environment's name (the manifest knows it by its data id). */
export function backupView(m: BackupManifest, environmentId: string): Record<string, unknown> {
  const versions = new Map<string, { keyId: string; keyType: string; policy?: string; retainedUntil?: string }>();
  for (const { copies } of ownersOf(m.keys)) {
    for (const c of copies) {
      if (versions.has(c.keyId)) continue;
      versions.set(c.keyId, { keyId: c.keyId, keyType: c.source.kind, ...(c.source.policy ? { policy: c.source.policy } : {}), ...(!isLive(c) ? { retainedUntil: c.retainUntil } : {}) });
    }
  }
  return {
    backupId: m.backupId, environmentId, status: m.status, createdAt: m.createdAt, completedAt: m.completedAt ?? null,
    items: m.items, takenUnder: m.takenUnder, deks: m.keys.deks.length, keyVersions: [...versions.values()],
    // The versions that open it now (live copies), for a one-line listing.
    keyIds: [...versions.values()].filter((v) => !v.retainedUntil).map((v) => v.keyId),
  };
}
