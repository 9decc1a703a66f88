// Activity: copy a page-bounded run of one partition's ciphertext into the backup and return a
// checkpoint (continuation, next segment number). Rerunning from a checkpoint rewrites the same
// blobs.
import * as df from "durable-functions";
import { Activities } from "../shared/operations/names";
import type { BackupPartitionInput, BackupPartitionOutput } from "../shared/backups/contracts";
import { services } from "../shared/services";

df.app.activity(Activities.backupPartition, {
  handler: (input: BackupPartitionInput): Promise<BackupPartitionOutput> => services().backups.partition(input),
});
