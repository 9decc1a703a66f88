// The key versions an environment still needs, and whether each is usable. The reference warns
// that disabling or deleting a previous key version too early takes environments offline: the
// probe of the key's *current* version cannot see that, so the lock decision also checks every
// version the environments' key rings still hold copies under.
import {
  classifyKeyVaultError, keyVaultClients, parseKeyId, probeStatusFor, withKeyVaultRetry,
  type KeyProbeStatus, type KeyVaultIdentity,
} from "../keyvault";
import { keyIdsInUse, type CopyOwner } from "../crypto/keyRing";
import type { KeyRingRepository } from "../data/keyRingRepository";
import type { Environment } from "../domain/environment";

/** Metadata check of one version as the policy's identity: enabled, not expired, not deleted. */
export async function versionStatus(identity: KeyVaultIdentity, keyId: string, now = new Date()): Promise<KeyProbeStatus> {
  const key = parseKeyId(keyId);
  try {
    const got = await withKeyVaultRetry(() => keyVaultClients().keyClient(identity, key.vaultUrl).getKey(key.name, { version: key.version }),
      { operation: "getKey", keyId }, { maxAttempts: 2 });
    if (got.properties.enabled === false) return "Disabled";
    if (got.properties.expiresOn && got.properties.expiresOn.getTime() <= now.getTime()) return "Expired";
    if (got.properties.notBefore && got.properties.notBefore.getTime() > now.getTime()) return "Expired";
    return "Healthy";
  } catch (err) {
    return probeStatusFor(classifyKeyVaultError(err, { operation: "getKey", keyId }));
  }
}

const LOST = new Set<KeyProbeStatus>(["Forbidden", "Disabled", "Expired", "NotFound"]);

export interface NeededVersionLoss {
  environment: Pick<Environment, "id" | "dataId">;
  /** The versions (with their status) the environment needs and cannot use. */
  lost: { keyId: string; status: KeyProbeStatus }[];
}

/**
 * For each environment, the DEKs and index key held under `versionlessKeyId`: an environment has
 * lost access when some DEK (or its index key) has copies under this key and every one of them is
 * unusable. `known` seeds the statuses already probed (the current version).
 */
export async function environmentsMissingVersions(
  rings: Pick<KeyRingRepository, "read">, environments: Pick<Environment, "id" | "dataId">[], identity: KeyVaultIdentity, versionlessKeyId: string, known: Map<string, KeyProbeStatus>,
): Promise<NeededVersionLoss[]> {
  const statuses = new Map(known);
  const statusOf = async (keyId: string) => {
    if (!statuses.has(keyId)) statuses.set(keyId, await versionStatus(identity, keyId));
    return statuses.get(keyId)!;
  };
  const out: NeededVersionLoss[] = [];
  for (const environment of environments) {
    const ring = await rings.read(environment.dataId);
    if (!ring) continue;
    const byOwner = new Map<string, string[]>();
    for (const [keyId, owners] of keyIdsInUse(ring)) {
      if (parseKeyId(keyId).versionlessId !== versionlessKeyId) continue;
      for (const owner of owners as CopyOwner[]) {
        const name = owner === "indexKey" ? "indexKey" : owner.dekId;
        byOwner.set(name, [...(byOwner.get(name) ?? []), keyId]);
      }
    }
    const lost = new Map<string, KeyProbeStatus>();
    for (const keyIds of byOwner.values()) {
      const results = await Promise.all(keyIds.map(async (k) => ({ keyId: k, status: await statusOf(k) })));
      if (results.every((r) => LOST.has(r.status))) results.forEach((r) => lost.set(r.keyId, r.status));
    }
    if (lost.size > 0) out.push({ environment, lost: [...lost].map(([keyId, status]) => ({ keyId, status })) });
  }
  return out;
}
