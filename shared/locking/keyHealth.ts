// The decision to lock or unlock: a live probe of a policy's key as the policy's identity. An
// event or a failed unwrap is only a hint; the probe decides. Lost access (revoked, disabled,
// deleted, expired) locks every environment that depends on the key; a probe that finds the key
// usable again unlocks them; an unreachable vault (throttling, 5xx, network) changes nothing.
import type { AppServices } from "../appServices";
import { probeKey, type KeyProbeResult } from "../keyvault";
import { lockEnvironment, unlockEnvironment } from "./lockState";
import { environmentsMissingVersions } from "./versionHealth";
import { dependsOnPolicy } from "../domain/encryptionStatus";
import type { EnterprisePolicy } from "../domain/policy";
import { policyKeySource } from "../keys/keySources";
import { needsKeySource } from "../crypto/keyRing";

export type KeyHealthDeps = Pick<AppServices, "state" | "alerts" | "dekCache" | "keys" | "dataContext" | "reconcileGate">;

export interface Reconciliation {
  policy: string;
  probe: KeyProbeResult;
  locked: string[];
  unlocked: string[];
}

const LOST = new Set(["Forbidden", "Disabled", "Expired", "NotFound"]);

export function lockReasonFor(probe: KeyProbeResult): string {
  const what: Record<string, string> = {
    Forbidden: "the enterprise policy's access to the key was revoked",
    Disabled: "the key is disabled",
    Expired: "the key has expired",
    NotFound: "the key or its vault was deleted",
  };
  return `${what[probe.status] ?? "the key cannot be reached"} (${probe.vaultCode ?? probe.status})`;
}

export async function probePolicyKey(deps: Pick<AppServices, "keys">, policy: EnterprisePolicy): Promise<KeyProbeResult> {
  const key = await deps.keys.resolveKey(policyKeySource(policy));
  return probeKey(key.identity, key.vaultUrl, key.keyName);
}

/**
 * Probes the key of one tenant's policy and locks or unlocks the environments that depend on it.
 * Undefined when the policy is gone. Through the reconcile gate: single flight per policy and at
 * most one start per KEYWARD_RECONCILE_MIN_INTERVAL_MS, always a run that started after the call
 * (callers in a burst share it, and its trigger is the first one's).
 */
export function reconcilePolicy(deps: KeyHealthDeps, tenantId: string, policyName: string, trigger: string): Promise<Reconciliation | undefined> {
  return deps.reconcileGate.run(`${tenantId}|${policyName}`, () => reconcileNow(deps, tenantId, policyName, trigger));
}

async function reconcileNow(deps: KeyHealthDeps, tenantId: string, policyName: string, trigger: string): Promise<Reconciliation | undefined> {
  const tenant = deps.state.forTenant(tenantId);
  const policy = await tenant.getPolicy(policyName);
  if (!policy) return undefined;
  const dependents = (await tenant.listEnvironments()).filter((e) => dependsOnPolicy(e, policyName));
  const probe = await probePolicyKey(deps, policy);
  const result: Reconciliation = { policy: policyName, probe, locked: [], unlocked: [] };
  if (probe.status === "Healthy") {
    // The current version works; an environment may still need an older one that does not.
    const key = await deps.keys.resolveKey(policyKeySource(policy));
    const versionless = `${key.vaultUrl}/keys/${key.keyName}`;
    const losses = await environmentsMissingVersions(deps.dataContext.rings, dependents, key.identity, versionless, new Map([[probe.keyId, "Healthy"]]));
    const lostIds = new Set(losses.map((l) => l.environment.id));
    for (const loss of losses) {
      const named = loss.lost.map((l) => `${l.keyId} is ${l.status.toLowerCase()}`).join("; ");
      const reason = `a key version this environment still needs cannot be used (${named}); re-enable it, or rotate so its keys are re-wrapped under the current version`;
      if ((await lockEnvironment(deps, tenantId, loss.environment.id, reason, trigger)).changed) result.locked.push(loss.environment.id);
      await tenant.raiseAlert(`version-lost|${loss.environment.id}|${loss.lost.map((l) => l.keyId).join(",")}`, {
        kind: "KeyVersionStillNeeded", severity: "Critical", policy: policyName, environmentId: loss.environment.id, keyId: loss.lost[0].keyId,
        message: `Environment ${loss.environment.id} is locked: ${named}. Do not disable a previous key version while it is still needed.`,
      });
    }
    for (const env of dependents.filter((e) => e.state === "Locked" && !lostIds.has(e.id))) {
      if ((await unlockEnvironment(deps, tenantId, env.id, trigger)).changed) result.unlocked.push(env.id);
    }
  } else if (LOST.has(probe.status)) {
    const key = await deps.keys.resolveKey(policyKeySource(policy));
    deps.dekCache.purgeByKey(`${key.vaultUrl}/keys/${key.keyName}`);
    const reason = lockReasonFor(probe);
    const source = policyKeySource(policy);
    for (const env of dependents) {
      // An environment whose data needs none of this key yet (an add that has not wrapped under
      // it) has nothing to lock: its add fails on its own. Re-checked where the lock is written.
      const ring = await deps.dataContext.rings.read(env.dataId);
      if (ring && !needsKeySource(ring, source)) continue;
      if ((await lockEnvironment(deps, tenantId, env.id, reason, trigger, (e) => dependsOnPolicy(e, policyName))).changed) result.locked.push(env.id);
    }
    if (dependents.length > 0) {
      await tenant.raiseAlert(`access-lost|${policyName}|${probe.status}|${probe.checkedAt.toISOString().slice(0, 13)}`, {
        kind: "KeyAccessLost", severity: "Critical", policy: policyName, keyId: probe.keyId,
        message: `Enterprise policy ${policyName}: ${reason}. ${dependents.length} environment(s) are locked until access is restored.`,
      });
    }
  }
  return result;
}

/** Every tenant's policies whose key lives in the vault (by ARM id, case-insensitive) and, if given, has that name. */
export async function policiesOnVault(deps: Pick<AppServices, "state">, vaultArmIdOrName: string, keyName?: string): Promise<EnterprisePolicy[]> {
  const needle = vaultArmIdOrName.toLowerCase();
  return (await deps.state.listAllPolicies()).filter((p) => {
    const id = p.keyVaultId.toLowerCase();
    const vaultMatches = id === needle || id.endsWith(`/${needle}`) || needle.startsWith(`${id}/`);
    return vaultMatches && (keyName === undefined || p.keyName.toLowerCase() === keyName.toLowerCase());
  });
}

/** Every tenant's policies that some environment depends on. */
export async function policiesInUse(deps: Pick<AppServices, "state">): Promise<{ tenantId: string; policy: string }[]> {
  const seen = new Map<string, { tenantId: string; policy: string }>();
  for (const e of await deps.state.listAllEnvironments()) {
    if (e.encryption.policy && dependsOnPolicy(e, e.encryption.policy)) seen.set(`${e.tenantId}|${e.encryption.policy}`, { tenantId: e.tenantId, policy: e.encryption.policy });
  }
  return [...seen.values()];
}
