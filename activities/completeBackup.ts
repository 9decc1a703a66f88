// Activity: mark the backup Completed with its counts, or delete what a failed backup copied.
import * as df from "durable-functions";
import { Activities } from "../shared/operations/names";
import type { CompleteBackupInput } from "../shared/backups/contracts";
import { services } from "../shared/services";

df.app.activity(Activities.completeBackup, {
  handler: (input: CompleteBackupInput): Promise<void> => services().backups.complete(input),
});
