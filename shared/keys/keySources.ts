// Which key, vault and identity stand behind each key source: the platform-managed key (the
// platform's identity, its own vault), a customer key (the enterprise policy's identity, the
// customer's vault), and the legacy BYOK tenant key (platform-held). Everything that wraps or
// unwraps a DEK gets its KeyWrapper from here.
import type { KeyWrapper, WrappedDek } from "../crypto/keyWrapper";
import type { KeySource } from "../crypto/keyRing";
import type { Settings } from "../settings";
import type { EnterprisePolicy } from "../domain/policy";
import { needs, notFound } from "../errors";
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

export interface KeySources {
  /** The key behind a source. CustomerManaged reads the policy (404 PolicyNotFound when gone). */
  resolveKey(source: KeySource | KeyTarget): Promise<ResolvedKey>;
  /** A wrapper pinned to the key's current version, checked usable (enabled, valid, RSA, wrap/unwrap). */
  latestWrapper(source: KeySource | KeyTarget): Promise<{ wrapper: VaultKeyWrapper; key: ResolvedKey }>;
  /**
   * The wrapper for one stored copy. Synchronous, as the DEK resolver needs it; the identity
   * behind a customer key is looked up on first use.
   */
  wrapperFor(source: KeySource, keyId: string): KeyWrapper;
}

/** The key source of one tenant's policy. */
export function policyKeySource(policy: Pick<EnterprisePolicy, "tenantId" | "name">): KeySource & KeyTarget {
  return { kind: "CustomerManaged", policy: policy.name, tenantId: policy.tenantId };
}

export interface KeySourceDeps {
  settings: () => Settings;
  getPolicy(tenantId: string, name: string): Promise<EnterprisePolicy | undefined>;
}

export function createKeySources(deps: KeySourceDeps): KeySources {
  const platformIdentity = (): KeyVaultIdentity => {
    const s = deps.settings();
    if (!s.platformPrincipalId) throw new Error("App setting KEYWARD_PLATFORM_PRINCIPAL_ID is not set");
    return { principalId: s.platformPrincipalId, clientId: s.platformClientId || undefined };
  };

  const platformHeldKey = (keyId: string, setting: string, source: KeySource): ResolvedKey => {
    if (!keyId) throw new Error(`App setting ${setting} is not set`);
    const parts = parseKeyId(keyId);
    return { identity: platformIdentity(), vaultUrl: parts.vaultUrl, keyName: parts.name, source };
  };

  const resolveKey = async (source: KeySource | KeyTarget): Promise<ResolvedKey> => {
    const s = deps.settings();
    if (source.kind === "PlatformManaged") return platformHeldKey(s.platformKeyId, "KEYWARD_PLATFORM_KEY_ID", { kind: "PlatformManaged" });
    if (source.kind === "Byok") return platformHeldKey(s.byokKeyId, "KEYWARD_BYOK_KEY_ID", { kind: "Byok" });
    const name = source.policy;
    needs(name && source.tenantId, "a CustomerManaged key source names its policy and the policy's tenant");
    const policy = await deps.getPolicy(source.tenantId, name);
    if (!policy) throw notFound("PolicyNotFound", `The enterprise policy '${name}' no longer exists.`);
    return {
      identity: {
        principalId: policy.identity.principalId, clientId: policy.identity.clientId,
        ...(policy.keyVaultTenantId ? { tenantId: policy.keyVaultTenantId } : {}),
      },
      vaultUrl: vaultUrlFor(parseVaultResourceId(policy.keyVaultId)),
      keyName: policy.keyName,
      source: { kind: "CustomerManaged", policy: name, tenantId: source.tenantId },
    };
  };

  return {
    resolveKey,
    async latestWrapper(source) {
      const key = await resolveKey(source);
      return { wrapper: await wrapperForLatestVersion(key.identity, key.vaultUrl, key.keyName), key };
    },
    wrapperFor(source, keyId) {
      let inner: Promise<VaultKeyWrapper> | undefined;
      const resolved = () => (inner ??= resolveKey(source).then((key) => new VaultKeyWrapper(key.identity, keyId)));
      return {
        keyName: parseKeyId(keyId).versionlessId,
        wrap: async (dek: Uint8Array): Promise<WrappedDek> => (await resolved()).wrap(dek),
        unwrap: async (wrapped: WrappedDek): Promise<Uint8Array> => (await resolved()).unwrap(wrapped),
      };
    },
  };
}
