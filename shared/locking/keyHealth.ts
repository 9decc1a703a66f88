// The decision to lock or unlock: a live probe of a policy's key as the policy's identity. An
// event or a failed unwrap is only a hint; the probe decides. Lost access (revoked, disabled,
// deleted, expired) locks every environment that depends on the key; a probe that finds the key
// usable again unlocks them; an unreachable vault (throttling, 5xx, network) changes nothing.
import { services } from "../services";
import { probeKey, dekCache, type KeyProbeResult } from "../keyvault";
import { resolveKey } from "../keys/keySources";
import { lockEnvironment, unlockEnvironment } from "./lockState";
import { environmentsMissingVersions } from "./versionHealth";
import { raiseAlert } from "../alerts/alerts";
import type { Environment } from "../domain/environment";
import type { EnterprisePolicy } from "../domain/policy";

export interface Reconciliation {
  policy: string;
  probe: KeyProbeResult;
  locked: string[];
  unlocked: string[];
}

const LOST = new Set(["Forbidden", "Disabled", "Expired", "NotFound"]);

/** Environments whose data (some or all) is under this policy's key. */
export function dependsOnPolicy(env: Environment, policy: string): boolean {
  if (env.encryption.policy !== policy) return false;
  return env.encryption.keyType === "CustomerManaged" || env.encryption.status !== "PlatformManaged";
}

export function lockReasonFor(probe: KeyProbeResult): string {
  const what: Record<string, string> = {
    Forbidden: "the enterprise policy's access to the key was revoked",
    Disabled: "the key is disabled",
    Expired: "the key has expired",
    NotFound: "the key or its vault was deleted",
  };
  return `${what[probe.status] ?? "the key cannot be reached"} (${probe.vaultCode ?? probe.status})`;
}

export async function probePolicyKey(policy: EnterprisePolicy): Promise<KeyProbeResult> {
  const key = await resolveKey({ kind: "CustomerManaged", policy: policy.name });
  return probeKey(key.identity, key.vaultUrl, key.keyName);
}

export async function reconcilePolicy(policyName: string, trigger: string): Promise<Reconciliation | undefined> {
  const { state } = services();
  const policy = await state.getPolicy(policyName);
  if (!policy) return undefined;
  const dependents = (await state.listEnvironments()).filter((e) => dependsOnPolicy(e, policyName));
  const probe = await probePolicyKey(policy);
  const result: Reconciliation = { policy: policyName, probe, locked: [], unlocked: [] };
  if (probe.status === "Healthy") {
    // The current version works; an environment may still need an older one that does not.
    const key = await resolveKey({ kind: "CustomerManaged", policy: policyName });
    const versionless = `${key.vaultUrl}/keys/${key.keyName}`;
    const losses = await environmentsMissingVersions(dependents.map((e) => e.id), key.identity, versionless, new Map([[probe.keyId, "Healthy"]]));
    const lostIds = new Set(losses.map((l) => l.environmentId));
    for (const loss of losses) {
      const named = loss.lost.map((l) => `${l.keyId} is ${l.status.toLowerCase()}`).join("; ");
      const reason = `a key version this environment still needs cannot be used (${named}); re-enable it, or rotate so its keys are re-wrapped under the current version`;
      dekCache().purgeByScope(loss.environmentId);
      if ((await lockEnvironment(loss.environmentId, reason, trigger)).changed) result.locked.push(loss.environmentId);
      await raiseAlert(`version-lost|${loss.environmentId}|${loss.lost.map((l) => l.keyId).join(",")}`, {
        kind: "KeyVersionStillNeeded", severity: "Critical", policy: policyName, environmentId: loss.environmentId, keyId: loss.lost[0].keyId,
        message: `Environment ${loss.environmentId} is locked: ${named}. The reference warns not to disable a previous key version while it is needed.`,
      });
    }
    for (const env of dependents.filter((e) => e.state === "Locked" && !lostIds.has(e.id))) {
      if ((await unlockEnvironment(env.id, trigger)).changed) result.unlocked.push(env.id);
    }
  } else if (LOST.has(probe.status)) {
    const key = await resolveKey({ kind: "CustomerManaged", policy: policyName });
    dekCache().purgeByKey(`${key.vaultUrl}/keys/${key.keyName}`);
    const reason = lockReasonFor(probe);
    for (const env of dependents) {
      if ((await lockEnvironment(env.id, reason, trigger)).changed) result.locked.push(env.id);
    }
    if (dependents.length > 0) {
      await raiseAlert(`access-lost|${policyName}|${probe.status}|${probe.checkedAt.toISOString().slice(0, 13)}`, {
        kind: "KeyAccessLost", severity: "Critical", policy: policyName, keyId: probe.keyId,
        message: `Enterprise policy ${policyName}: ${reason}. ${dependents.length} environment(s) are locked until access is restored.`,
      });
    }
  }
  return result;
}

/** Policies whose key lives in the vault (by ARM id, case-insensitive) and, if given, has that name. */
export async function policiesOnVault(vaultArmIdOrName: string, keyName?: string): Promise<EnterprisePolicy[]> {
  const needle = vaultArmIdOrName.toLowerCase();
  return (await services().state.listPolicies()).filter((p) => {
    const id = p.keyVaultId.toLowerCase();
    const vaultMatches = id === needle || id.endsWith(`/${needle}`) || needle.startsWith(`${id}/`);
    return vaultMatches && (keyName === undefined || p.keyName.toLowerCase() === keyName.toLowerCase());
  });
}

/** Policies any environment depends on. */
export async function policiesInUse(): Promise<string[]> {
  const { state } = services();
  const envs = await state.listEnvironments();
  return [...new Set(envs.filter((e) => e.encryption.policy && dependsOnPolicy(e, e.encryption.policy)).map((e) => e.encryption.policy!))];
}
