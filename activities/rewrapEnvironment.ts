// Activity: re-wrap an environment's DEKs and index key under a new version of its policy's key.
// No record or file is touched; the environment serves throughout. The environment's backups
// follow (their copies under the previous version are kept 28 days), and the versions the key
// ring left behind go to the key version ledger (key usage counts their 28 days from now).
import { backupHomeOf } from "../shared/domain/environment";
import { randomUUID } from "node:crypto";
import type { AppServices } from "../shared/appServices";
import type { RewrapEnvironmentInput, RewrapEnvironmentOutput } from "../shared/operations/contracts";
import { terminalOutcomeOf, throttledOutcomeOf } from "../shared/operations/activityOutcome";
import { UPDATE_CMK } from "../shared/state/history";
import { BackupKeyUnusable } from "../shared/dataOperations/backupKeys";
import { environmentRewrapped } from "../shared/operations/operationTelemetry";
import { isReverting } from "../shared/domain/encryptionStatus";
import { policyKeySource } from "../shared/keys/keySources";

export async function rewrapEnvironment(input: RewrapEnvironmentInput, svc: AppServices): Promise<RewrapEnvironmentOutput> {
  const { transitions, backups } = svc;
  const state = svc.state.forTenant(input.tenantId);
  const source = policyKeySource({ tenantId: input.tenantId, name: input.policy });
  const startedAt = new Date().toISOString();
  try {
    const wrapper = svc.keys.wrapperFor(source, input.keyId);
    const before = await backups.ringKeyIds(input.dataId);
    const result = await transitions.rewrap(input.dataId, wrapper, source, input.keyId);
    await backups.recordRetiredVersions(input.dataId, before, "Rotation");
    // Backups follow only an environment on this policy's key, not one being added or removed:
    // that operation's own backups step moves them, and following the rotation here could undo
    // it (a removal's backups would go back under the customer key). A backup being taken
    // meanwhile does follow.
    const env = await state.getEnvironment(input.environmentId);
    const settled = env?.encryption.keyType === "CustomerManaged" && env.encryption.policy === input.policy && !isReverting(env.encryption.status);
    const followed = !settled ? { backups: 0, rewrapped: 0 } : await backups.follow(backupHomeOf(env), wrapper, input.keyId, source, "Rotation").catch((err: unknown) => {
      // A backup whose every key version was taken away stays as it is; key usage shows what it needs.
      if (err instanceof BackupKeyUnusable) return { backups: 0, rewrapped: 0 };
      throw err;
    });
    await state.updateEnvironment(input.environmentId, (e) =>
      e.encryption.policy === input.policy && e.encryption.keyType === "CustomerManaged" && e.encryption.keyId !== input.keyId
        ? { ...e, encryption: { ...e.encryption, keyId: input.keyId } } : undefined);
    if (result.rewrapped > 0 || followed.rewrapped > 0) {
      const endedAt = new Date().toISOString();
      await state.recordOperation({
        operationId: `${input.operationId}-${input.environmentId}`.slice(0, 100) || randomUUID(), environmentId: input.environmentId, operation: UPDATE_CMK,
        kind: "RotateKeyVersion", status: "Succeeded", startedAt, endedAt, policy: input.policy,
        steps: [{ name: "Re-wrap DEKs under the new key version", status: "Succeeded", startedAt, endedAt, detail: `${result.rewrapped} key(s) re-wrapped under ${input.keyId}; ${followed.backups} backup(s) followed (${followed.rewrapped} key(s))` }],
      });
    }
    environmentRewrapped({ operationId: input.operationId, environmentId: input.environmentId, policy: input.policy, outcome: "ok", rewrapped: result.rewrapped });
    return { outcome: "ok", rewrapped: result.rewrapped, environmentId: input.environmentId };
  } catch (err) {
    // Throttled: the rotation waits on a durable timer and calls again (every step is rerunnable).
    const throttled = throttledOutcomeOf(err);
    if (throttled) return { ...throttled, environmentId: input.environmentId };
    const failure = terminalOutcomeOf(err);
    environmentRewrapped({ operationId: input.operationId, environmentId: input.environmentId, policy: input.policy, outcome: failure.code, rewrapped: 0 });
    return { ...failure, environmentId: input.environmentId };
  }
}
