// Activity: the backups step of a re-key (add, remove, change of policy). Backups are a secondary
// store: their DEKs and index key get a copy under the target key's current version; the copies
// under the key being left are kept 30 days when it is a customer key (the reference), dropped
// when it is the platform's. The versions the environment's key ring is about to leave behind are
// written to the key version ledger first (finishRekey drops them right after).
import * as df from "durable-functions";
import { Activities } from "../shared/operations/names";
import type { RewrapBackupsInput, RewrapBackupsOutput } from "../shared/backups/contracts";
import { services } from "../shared/services";
import { latestWrapper } from "../shared/keys/keySources";
import { asKeyFailure } from "../shared/operations/keyFailure";
import { BackupKeyUnusable } from "../shared/backups/backupKeys";

df.app.activity(Activities.rewrapBackups, {
  handler: async (input: RewrapBackupsInput): Promise<RewrapBackupsOutput> => {
    try {
      const { backups } = services();
      const { wrapper, key } = await latestWrapper(input.target);
      await backups.recordLeavingVersions(input.environmentId, key.source);
      const r = await backups.follow(input.environmentId, wrapper, wrapper.keyId, key.source, "Removal");
      return { outcome: "ok", backups: r.backups, rewrapped: r.rewrapped };
    } catch (err) {
      if (err instanceof BackupKeyUnusable) return { outcome: "BackupUnusable", code: "BackupKeyVersionUnusable", message: err.message };
      return asKeyFailure(err);
    }
  },
});
