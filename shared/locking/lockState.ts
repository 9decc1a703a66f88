// Locking and unlocking one environment: its state, its reason, a history entry for each, and
// the DEK cache dropped. The data API checks the state on every call, so a lock bites at once;
// other instances' caches expire within the TTL and they check the same state.
import { randomUUID } from "node:crypto";
import type { AppServices } from "../appServices";
import { trackEvent } from "../telemetry";
import type { Environment } from "../domain/environment";

export type LockDeps = Pick<AppServices, "state" | "dekCache">;

export interface LockChange {
  environmentId: string;
  changed: boolean;
}

async function recordHistory(deps: LockDeps, env: Environment, kind: "Lock" | "Unlock", detail: string, trigger: string): Promise<void> {
  const at = new Date().toISOString();
  await deps.state.forTenant(env.tenantId).recordOperation({
    operationId: randomUUID(), environmentId: env.id, operation: kind === "Lock" ? "Lock environment" : "Unlock environment", kind,
    status: "Succeeded", startedAt: at, endedAt: at, steps: [{ name: kind, status: "Succeeded", startedAt: at, endedAt: at, detail: `${detail} (${trigger})` }],
    policy: env.encryption.policy,
  });
}

/**
 * `stillApplies`: checked on the environment as it is when the lock is written (a decision made
 * from an older read, e.g. a probe that took a while, must not lock an environment that has
 * since left the policy).
 */
export async function lockEnvironment(deps: LockDeps, tenantId: string, environmentId: string, reason: string, trigger: string, stillApplies?: (e: Environment) => boolean): Promise<LockChange> {
  let changed = false;
  const now = new Date().toISOString();
  const tenant = deps.state.forTenant(tenantId);
  const env = await tenant.updateEnvironment(environmentId, (e) => {
    if (stillApplies && !stillApplies(e)) return undefined;
    if (e.state === "Locked" && e.encryption.lockedReason === reason) return undefined;
    changed = e.state !== "Locked";
    return { ...e, state: "Locked", lockedSince: e.lockedSince ?? now, encryption: { ...e.encryption, lockedReason: reason } };
  });
  if (env) deps.dekCache.purgeByScope(env.dataId);
  if (env && changed) {
    await recordHistory(deps, env, "Lock", reason, trigger);
    trackEvent("keyward.environment.locked", { environmentId, trigger });
    await tenant.raiseAlert(`locked|${environmentId}|${env.lockedSince}`, {
      kind: "EnvironmentLocked", severity: "Critical", environmentId, policy: env.encryption.policy,
      message: `Environment ${environmentId} is locked: ${reason}. Restore the key's access to unlock it.`,
    });
  }
  return { environmentId, changed };
}

export async function unlockEnvironment(deps: LockDeps, tenantId: string, environmentId: string, trigger: string): Promise<LockChange> {
  let changed = false;
  const env = await deps.state.forTenant(tenantId).updateEnvironment(environmentId, (e) => {
    if (e.state !== "Locked") return undefined;
    changed = true;
    const { lockedReason: _dropped, ...encryption } = e.encryption;
    return { ...e, state: "Enabled", lockedSince: undefined, encryption };
  });
  if (env && changed) {
    await recordHistory(deps, env, "Unlock", "the key is reachable again", trigger);
    trackEvent("keyward.environment.unlocked", { environmentId, trigger });
  }
  return { environmentId, changed };
}
