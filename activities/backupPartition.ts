// Activity: copy a page-bounded run of one partition's ciphertext into the backup and return a
// checkpoint (continuation, next segment number). Rerunning from a checkpoint rewrites the same
// blobs.
import type { AppServices } from "../shared/appServices";
import type { BackupPartitionInput, BackupPartitionOutput } from "../shared/dataOperations/contracts";

export function backupPartition(input: BackupPartitionInput, svc: AppServices): Promise<BackupPartitionOutput> {
  return svc.backups.partition(input);
}
