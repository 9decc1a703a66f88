// Activity: mark the backup Completed with its counts, or delete what a failed backup copied.
import type { AppServices } from "../shared/appServices";
import type { CompleteBackupInput } from "../shared/dataOperations/contracts";

export function completeBackup(input: CompleteBackupInput, svc: AppServices): Promise<void> {
  return svc.backups.complete(input);
}
