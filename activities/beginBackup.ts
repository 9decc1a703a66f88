// Activity: the backup's manifest, with a snapshot of the environment's wrapped DEKs and index
// key (no key is unwrapped). Idempotent: a rerun finds the manifest and returns it. An error no
// retry cures (the environment gone, a rule broken) comes back as a value.
import { backupHomeOf } from "../shared/domain/environment";
import type { AppServices } from "../shared/appServices";
import type { BeginBackupInput, BeginBackupOutput } from "../shared/dataOperations/contracts";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";
import { requireEnvironment } from "../shared/state/lookups";

export async function beginBackup(input: BeginBackupInput, svc: AppServices): Promise<BeginBackupOutput> {
  try {
    const environment = await requireEnvironment(svc.state.forTenant(input.tenantId), input.environmentId);
    const manifest = await svc.backups.begin({ ...input, environment });
    return { buckets: manifest.buckets, backupsDataId: backupHomeOf(environment) };
  } catch (err) {
    return terminalOutcomeOf(err);
  }
}
