// Activity: the backup's manifest, with a snapshot of the environment's wrapped DEKs and index
// key (no key is unwrapped). Idempotent: a rerun finds the manifest and returns it.
import * as df from "durable-functions";
import { Activities } from "../shared/operations/names";
import type { BeginBackupInput, BeginBackupOutput } from "../shared/backups/contracts";
import { services } from "../shared/services";
import { requireEnvironment } from "../shared/domain/lookups";

df.app.activity(Activities.beginBackup, {
  handler: async (input: BeginBackupInput): Promise<BeginBackupOutput> => {
    const environment = await requireEnvironment(input.environmentId);
    const manifest = await services().backups.begin({ ...input, environment });
    return { buckets: manifest.buckets };
  },
});
