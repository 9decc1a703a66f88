// Which policies have a key version newer than the one their environments are wrapped under.
import type { AppServices } from "../appServices";
import { latestKeyVersion } from "../keyvault";

export async function policiesNeedingRotation(deps: Pick<AppServices, "state" | "keys">): Promise<{ policy: string; keyId: string }[]> {
  const envs = (await deps.state.listEnvironments()).filter((e) => e.encryption.keyType === "CustomerManaged" && e.encryption.status === "Encrypted");
  const out: { policy: string; keyId: string }[] = [];
  for (const policy of new Set(envs.map((e) => e.encryption.policy!))) {
    try {
      const key = await deps.keys.resolveKey({ kind: "CustomerManaged", policy });
      const latest = await latestKeyVersion(key.identity, key.vaultUrl, key.keyName);
      if (envs.some((e) => e.encryption.policy === policy && e.encryption.keyId !== latest.keyId)) out.push({ policy, keyId: latest.keyId });
    } catch {
      // An unreachable key is the probe's business, not the sweep's.
    }
  }
  return out;
}
