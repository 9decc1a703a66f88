// Which key, vault and identity stand behind each key source: the platform-managed key (the
// platform's identity, its own vault), a customer key (the enterprise policy's identity, the
// customer's vault), and the legacy BYOK tenant key (platform-held). Everything that wraps or
// unwraps a DEK gets its KeyWrapper from here.
import type { KeyWrapper, WrappedDek } from "../crypto/keyWrapper";
import type { KeySource } from "../crypto/keyRing";
import { settings } from "../settings";
import { services } from "../services";
import { ApiError } from "../errors";
import {
  parseKeyId, parseVaultResourceId, vaultUrlFor, VaultKeyWrapper, wrapperForLatestVersion,
  type KeyVaultIdentity,
} from "../keyvault";
import type { KeyTarget } from "../operations/contracts";

export interface ResolvedKey {
  identity: KeyVaultIdentity;
  vaultUrl: string;
  keyName: string;
  source: KeySource;
}

function platformIdentity(): KeyVaultIdentity {
  const s = settings();
  if (!s.platformPrincipalId) throw new Error("App setting KEYWARD_PLATFORM_PRINCIPAL_ID is not set");
  return { principalId: s.platformPrincipalId, clientId: s.platformClientId || undefined };
}

function platformHeldKey(keyId: string, setting: string, source: KeySource): ResolvedKey {
  if (!keyId) throw new Error(`App setting ${setting} is not set`);
  const parts = parseKeyId(keyId);
  return { identity: platformIdentity(), vaultUrl: parts.vaultUrl, keyName: parts.name, source };
}

/** The key behind a source. CustomerManaged reads the policy (404 PolicyNotFound when gone). */
export async function resolveKey(source: KeySource | KeyTarget): Promise<ResolvedKey> {
  if (source.kind === "PlatformManaged") return platformHeldKey(settings().platformKeyId, "KEYWARD_PLATFORM_KEY_ID", { kind: "PlatformManaged" });
  if (source.kind === "Byok") return platformHeldKey(settings().byokKeyId, "KEYWARD_BYOK_KEY_ID", { kind: "Byok" });
  const name = source.policy;
  if (!name) throw new Error("a CustomerManaged key source names its policy");
  const policy = await services().state.getPolicy(name);
  if (!policy) throw new ApiError(404, "PolicyNotFound", `The enterprise policy '${name}' no longer exists.`);
  return {
    identity: { principalId: policy.identity.principalId, clientId: policy.identity.clientId },
    vaultUrl: vaultUrlFor(parseVaultResourceId(policy.keyVaultId)),
    keyName: policy.keyName,
    source: { kind: "CustomerManaged", policy: name },
  };
}

/** A wrapper pinned to the key's current version, checked usable (enabled, valid, RSA, wrap/unwrap). */
export async function latestWrapper(source: KeySource | KeyTarget): Promise<{ wrapper: VaultKeyWrapper; key: ResolvedKey }> {
  const key = await resolveKey(source);
  return { wrapper: await wrapperForLatestVersion(key.identity, key.vaultUrl, key.keyName), key };
}

/**
 * The wrapper for one stored copy. Synchronous, as the DEK resolver needs it; the identity behind
 * a customer key is looked up on first use.
 */
export function wrapperFor(source: KeySource, keyId: string): KeyWrapper {
  let inner: Promise<VaultKeyWrapper> | undefined;
  const resolved = () => (inner ??= resolveKey(source).then((key) => new VaultKeyWrapper(key.identity, keyId)));
  return {
    keyName: parseKeyId(keyId).versionlessId,
    wrap: async (dek: Uint8Array): Promise<WrappedDek> => (await resolved()).wrap(dek),
    unwrap: async (wrapped: WrappedDek): Promise<Uint8Array> => (await resolved()).unwrap(wrapped),
  };
}
