// Activity: the switch of a reset. The environment gets a fresh storage generation (a new data id:
// new table and container, a new key ring with a new DEK and a new index key under the platform
// key), and its state row moves to it in one conditional write, which also takes it back to the
// platform key, out of its policy, and out of a lock (the lock went with the customer key it was
// about). The old generation is not deleted here: the state row lists it as retired and the
// orchestration deletes it in bounded pages (deleteRetiredData). Nothing is deleted row by row.
//
// Rerunnable: the fresh data id is derived from the operation and the data id it replaces, so a
// rerun before the switch finishes the same generation, and one after it finds the switch done.
// A failure before the switch leaves the environment on its old generation, intact, with the
// half-built fresh one listed as retired (deleted by the next operation's cleanup).
import type { AppServices } from "../shared/appServices";
import type { ResetEnvironmentInput, ResetEnvironmentOutput } from "../shared/dataOperations/contracts";
import { freshDataId, settleAfterSwitch } from "../shared/dataOperations/generations";
import { movedTo, withFreshListed } from "../shared/domain/dataGeneration";
import type { Environment } from "../shared/domain/environment";
import { conflict, notFound } from "../shared/errors";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";

/** The environment on the fresh generation, under the platform key `keyId`, the old one retired. */
function switched(e: Environment, fresh: string, keyId: string): Environment {
  const { lockedReason: _reason, policy: _policy, warning: _warning, progress: _progress, ...encryption } = e.encryption;
  // The backups go too: where a restore or copy kept them (backupsDataId) is retired with the rest.
  const { backupsDataId: _backups, ...kept } = movedTo(e, fresh, e.backupsDataId ? [e.backupsDataId] : []);
  return {
    ...kept,
    state: e.state === "Locked" ? "Enabled" : e.state, lockedSince: undefined,
    encryption: { ...encryption, keyType: "PlatformManaged", keyId, status: "PlatformManaged" },
  };
}

export async function eraseEnvironmentData(input: ResetEnvironmentInput, svc: AppServices): Promise<ResetEnvironmentOutput> {
  try {
    const state = svc.state.forTenant(input.tenantId);
    const fresh = freshDataId(input.operationId, input.dataId);
    let env = await state.getEnvironment(input.environmentId);
    if (!env) throw notFound("EnvironmentNotFound", `Environment '${input.environmentId}' no longer exists.`, "environmentId");
    if (env.dataId === input.dataId) {
      // Listed before it is built: a reset that fails before its switch leaves a half-built
      // generation that the next operation's cleanup finds and deletes.
      await state.updateEnvironment(input.environmentId, (e) => withFreshListed(e, input.dataId, fresh));
      const { wrapper } = await svc.keys.latestWrapper({ kind: "PlatformManaged" });
      await svc.data.initialize(fresh, wrapper, { kind: "PlatformManaged" });
      env = await state.updateEnvironment(input.environmentId, (e) => (e.dataId === input.dataId ? switched(e, fresh, wrapper.keyId) : undefined));
    }
    if (env?.dataId !== fresh) {
      throw conflict("DataGenerationChanged", `Environment '${input.environmentId}' moved to other data while it was being reset; start the reset again.`, "environmentId");
    }
    // Other instances may hold the old keys within their DEK cache's TTL, which the orchestration
    // waits out before the environment serves again.
    await settleAfterSwitch({ dekCache: svc.dekCache, stateCacheMs: svc.settings.dataStateCacheMs }, input.dataId);
    return { outcome: "ok", keyId: env.encryption.keyId!, backupsDeleted: 0, retired: env.retiredDataIds ?? [] };
  } catch (err) {
    return terminalOutcomeOf(err);
  }
}
