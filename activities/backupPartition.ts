// Activity: copy a page-bounded run of one partition's ciphertext into the backup and return a
// checkpoint (continuation, next segment number). Rerunning from a checkpoint rewrites the same
// blobs. An error no retry cures comes back as a value, which stops the pump.
import type { AppServices } from "../shared/appServices";
import type { BackupPartitionInput, BackupPartitionOutput } from "../shared/dataOperations/contracts";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";
import { recordPageProgress } from "../shared/operations/pageProgress";

export async function backupPartition(input: BackupPartitionInput, svc: AppServices): Promise<BackupPartitionOutput> {
  try {
    const page = await svc.backups.partition(input);
    await recordPageProgress(svc, input.progress, page.items);
    return page;
  } catch (err) {
    return terminalOutcomeOf(err);
  }
}
