// Activity: the backups step of a re-key (add, remove, change of policy). Backups are a secondary
// store: their DEKs and index key get a copy under the target key's current version; the copies
// under the key being left are kept 30 days when it is a customer key (the reference), dropped
// when it is the platform's. The versions the environment's key ring is about to leave behind are
// written to the key version ledger first (finishRekey drops them right after).
import type { AppServices } from "../shared/appServices";
import type { RewrapBackupsInput, RewrapBackupsOutput } from "../shared/dataOperations/contracts";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";
import { BackupKeyUnusable } from "../shared/dataOperations/backupKeys";
import { backupHomeOf } from "../shared/domain/environment";
import { requireEnvironment } from "../shared/state/lookups";

export async function rewrapBackups(input: RewrapBackupsInput, svc: AppServices): Promise<RewrapBackupsOutput> {
  try {
    const { wrapper, key } = await svc.keys.latestWrapper(input.target);
    await svc.backups.recordLeavingVersions(input.dataId, key.source);
    // The re-key holds the environment's operation slot, so where its backups are stored cannot change meanwhile.
    const env = await requireEnvironment(svc.state.forTenant(input.tenantId), input.environmentId);
    const r = await svc.backups.follow(backupHomeOf(env), wrapper, wrapper.keyId, key.source, "Removal");
    return { outcome: "ok", backups: r.backups, rewrapped: r.rewrapped };
  } catch (err) {
    if (err instanceof BackupKeyUnusable) return { outcome: "BackupUnusable", code: "BackupKeyVersionUnusable", message: err.message };
    return terminalOutcomeOf(err);
  }
}
