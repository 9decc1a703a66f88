// Activity: erase an environment for a reset. Its records, files, backups and key ring are deleted; it gets a
// new key ring (new DEK, new index key) under the platform key and leaves its policy; a lock goes
// with the customer key it was about. Rerunnable: a rerun erases and starts over again.
import type { AppServices } from "../shared/appServices";
import type { ResetEnvironmentInput, ResetEnvironmentOutput } from "../shared/dataOperations/contracts";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";

export async function eraseEnvironmentData(input: ResetEnvironmentInput, svc: AppServices): Promise<ResetEnvironmentOutput> {
  try {
    const { wrapper } = await svc.keys.latestWrapper({ kind: "PlatformManaged" });
    const { backupsDeleted } = await svc.backups.reset(input.dataId, wrapper);
    // This instance forgets the old keys now; other instances within the cache TTL, which the
    // orchestration waits out before the environment serves again.
    svc.dekCache.purgeByScope(input.dataId);
    await svc.state.forTenant(input.tenantId).updateEnvironment(input.environmentId, (e) => {
      const { lockedReason: _reason, policy: _policy, warning: _warning, progress: _progress, ...encryption } = e.encryption;
      return {
        ...e, state: e.state === "Locked" ? "Enabled" : e.state, lockedSince: undefined,
        encryption: { ...encryption, keyType: "PlatformManaged", keyId: wrapper.keyId, status: "PlatformManaged" },
      };
    });
    return { outcome: "ok", keyId: wrapper.keyId, backupsDeleted };
  } catch (err) {
    return terminalOutcomeOf(err);
  }
}
