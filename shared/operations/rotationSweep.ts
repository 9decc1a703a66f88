// Which policies have a key version newer than the one their environments are wrapped under.
import type { AppServices } from "../appServices";
import { latestKeyVersion } from "../keyvault";
import { policyKeySource } from "../keys/keySources";

/** Every tenant's policies whose environments are not yet under the key's current version. */
export async function policiesNeedingRotation(deps: Pick<AppServices, "state" | "keys">): Promise<{ tenantId: string; policy: string; keyId: string }[]> {
  const envs = (await deps.state.listAllEnvironments()).filter((e) => e.encryption.keyType === "CustomerManaged" && e.encryption.status === "Encrypted");
  const policies = new Map(envs.map((e) => [`${e.tenantId}|${e.encryption.policy}`, { tenantId: e.tenantId, name: e.encryption.policy! }]));
  const out: { tenantId: string; policy: string; keyId: string }[] = [];
  for (const policy of policies.values()) {
    try {
      const key = await deps.keys.resolveKey(policyKeySource(policy));
      const latest = await latestKeyVersion(key.identity, key.vaultUrl, key.keyName);
      const behind = envs.some((e) => e.tenantId === policy.tenantId && e.encryption.policy === policy.name && e.encryption.keyId !== latest.keyId);
      if (behind) out.push({ tenantId: policy.tenantId, policy: policy.name, keyId: latest.keyId });
    } catch {
      // An unreachable key is the probe's business, not the sweep's.
    }
  }
  return out;
}
