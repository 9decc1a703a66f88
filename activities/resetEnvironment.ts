// Activity: reset an environment. Its records, files, backups and key ring are deleted; it gets a
// new key ring (new DEK, new index key) under the platform key and leaves its policy; a lock goes
// with the customer key it was about. Rerunnable: a rerun erases and starts over again.
import * as df from "durable-functions";
import { Activities } from "../shared/operations/names";
import type { ResetEnvironmentInput, ResetEnvironmentOutput } from "../shared/backups/contracts";
import { services } from "../shared/services";
import { latestWrapper } from "../shared/keys/keySources";
import { dekCache } from "../shared/keyvault";
import { asOperationFailure } from "../shared/backups/failures";

df.app.activity(Activities.resetEnvironmentData, {
  handler: async (input: ResetEnvironmentInput): Promise<ResetEnvironmentOutput> => {
    try {
      const { state, backups } = services();
      const { wrapper } = await latestWrapper({ kind: "PlatformManaged" });
      const { backupsDeleted } = await backups.reset(input.environmentId, wrapper);
      // This instance forgets the old keys now; other instances within the cache TTL, which the
      // orchestration waits out before the environment serves again.
      dekCache().purgeByScope(input.environmentId);
      await state.updateEnvironment(input.environmentId, (e) => {
        const { lockedReason: _reason, policy: _policy, warning: _warning, progress: _progress, ...encryption } = e.encryption;
        return {
          ...e, state: e.state === "Locked" ? "Enabled" : e.state, lockedSince: undefined,
          encryption: { ...encryption, keyType: "PlatformManaged", keyId: wrapper.keyId, status: "PlatformManaged" },
        };
      });
      return { outcome: "ok", keyId: wrapper.keyId, backupsDeleted };
    } catch (err) {
      return asOperationFailure(err);
    }
  },
});
