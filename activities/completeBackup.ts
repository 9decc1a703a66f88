// Activity: mark the backup Completed with its counts, or delete what a failed backup copied.
// An error no retry cures (the manifest gone) comes back as a value.
import type { AppServices } from "../shared/appServices";
import type { CompleteBackupInput, CompleteBackupOutput } from "../shared/dataOperations/contracts";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";

export async function completeBackup(input: CompleteBackupInput, svc: AppServices): Promise<CompleteBackupOutput> {
  try {
    await svc.backups.complete(input);
  } catch (err) {
    return terminalOutcomeOf(err);
  }
}
