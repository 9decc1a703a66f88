// The reference's rules for environment database operations, enforced with 409 KeyMismatch:
//   restore: into the environment the backup was taken from, or into another environment
//            encrypted with the same customer key;
//   copy:    only into another environment encrypted with the same customer key.
// "The same customer key" is the same key in the same vault (its versionless id), whichever
// policy binds it: versions differ as keys rotate, and two policies may bind one key.
import { conflict } from "../errors";
import { keyIdFor } from "../keyvault";
import { policyKeySource, type KeySources } from "../keys/keySources";

type Keys = Pick<KeySources, "resolveKey">;
import { versionlessKeyId } from "../crypto/keyRing";
import type { Environment } from "../domain/environment";
import { isLive, ownersOf, type BackupManifest } from "./manifest";

/** The customer key the environment is encrypted with (versionless id, lower case), if it is. */
export async function customerKeyOf(keys: Keys, env: Environment): Promise<string | undefined> {
  if (env.encryption.keyType !== "CustomerManaged" || !env.encryption.policy) return undefined;
  const key = await keys.resolveKey(policyKeySource({ tenantId: env.tenantId, name: env.encryption.policy }));
  return keyIdFor(key.vaultUrl, key.keyName).toLowerCase();
}

/** The customer key every key of the backup has a live copy under, if one does. */
export function customerKeyOfBackup(manifest: BackupManifest): string | undefined {
  const keysOf = (copies: BackupManifest["keys"]["indexKey"]["wrapped"]) =>
    new Set(copies.filter((c) => isLive(c) && c.source.kind === "CustomerManaged").map((c) => versionlessKeyId(c.keyId).toLowerCase()));
  const [first, ...rest] = ownersOf(manifest.keys).map((o) => keysOf(o.copies));
  return [...first].find((k) => rest.every((s) => s.has(k)));
}

const describeKey = (key: string | undefined) => (key ? `customer key ${key}` : "the platform-managed key");

export async function requireSameKeyForRestore(keys: Keys, target: Environment, manifest: BackupManifest): Promise<void> {
  if (manifest.environmentId === target.dataId) return;
  const [targetKey, backupKey] = [await customerKeyOf(keys, target), customerKeyOfBackup(manifest)];
  if (!targetKey || targetKey !== backupKey) {
    throw conflict("KeyMismatch", `Backup '${manifest.backupId}' of environment '${manifest.environmentName ?? "another environment"}' is encrypted with ${describeKey(backupKey)}, ` +
      `and environment '${target.id}' with ${describeKey(targetKey)}. A backup can be restored only into the environment it was taken from, ` +
      "or into another environment encrypted with the same customer key (same vault and key).", "id");
  }
}

export async function requireSameKeyForCopy(keys: Keys, source: Environment, target: Environment): Promise<void> {
  const [sourceKey, targetKey] = [await customerKeyOf(keys, source), await customerKeyOf(keys, target)];
  if (!sourceKey || sourceKey !== targetKey) {
    throw conflict("KeyMismatch", `Environment '${source.id}' is encrypted with ${describeKey(sourceKey)} and environment '${target.id}' with ${describeKey(targetKey)}. ` +
      "An environment can be copied only into another environment encrypted with the same customer key (same vault and key).", "id");
  }
}
