// KeyWrapper over a key version in Azure Key Vault (a customer key, or the platform key).
//
// - RSA-OAEP-256 only: with RSA-OAEP the SDK wraps locally with the cached public key and a
//   revoked or disabled key would keep "working".
// - Versioned key ids only: wrap uses the version this wrapper was built with (resolve "latest"
//   explicitly with wrapperForLatestVersion), unwrap uses the version stored beside the DEK.
// - Every call goes through retry.ts and classify.ts.
// - The SDK's client-side validity check (CryptographyClient compares the key's expiresOn and
//   notBefore with the local clock before every operation and throws a plain Error) is LEFT ON
//   deliberately: per the reference, an expired key is lost access, and the vault (the local one
//   and, for wrap, Azure) refuses it too. classify.ts maps that Error to AccessLost/KeyExpired,
//   the same as the vault's 403 KeyExpired. Its one hazard is staleness: the client keeps the
//   attributes it fetched, so after the customer extends the expiry it would still say
//   "expired". Hence every AccessLost evicts the cached client, and the next call refetches.
import { randomBytes } from "node:crypto";
import type { KeyWrapper, WrappedDek } from "../crypto/keyWrapper";
import { WRAP_ALGORITHM } from "../crypto/keyWrapper";
import { needs } from "../errors";
import { KeyAccessError } from "./classify";
import { keyVaultClients, type KeyVaultClientFactory } from "./clientFactory";
import type { KeyVaultIdentity } from "./credentials";
import { withKeyVaultRetry, type VaultRetryPolicy } from "./retry";
import { isVersionedKeyId, keyIdFor, parseKeyId, type KeyIdParts } from "./vaultResource";

export const DEK_BYTES = 32;

export interface VaultKeyWrapperDeps {
  clients?: KeyVaultClientFactory;
  retry?: Partial<VaultRetryPolicy>;
}

function sameKey(a: KeyIdParts, b: KeyIdParts): boolean {
  // Vault hosts are already lowercased by parseKeyId; key names are case-insensitive in Azure.
  return a.vaultUrl === b.vaultUrl && a.name.toLowerCase() === b.name.toLowerCase();
}

export class VaultKeyWrapper implements KeyWrapper {
  /** The versionless key id (https://{vault}/keys/{name}): for logs, errors and cache purges. */
  readonly keyName: string;
  /** The versioned key id `wrap` uses. */
  readonly keyId: string;
  private readonly key: KeyIdParts;
  private readonly clients: KeyVaultClientFactory;

  constructor(readonly identity: KeyVaultIdentity, versionedKeyId: string, private readonly deps: VaultKeyWrapperDeps = {}) {
    this.key = parseKeyId(versionedKeyId);
    needs(this.key.version, `VaultKeyWrapper needs a versioned key id, not ${versionedKeyId}: the kid stored beside a wrapped DEK must name the version that wrapped it`);
    this.keyId = this.key.id;
    this.keyName = this.key.versionlessId;
    this.clients = deps.clients ?? keyVaultClients();
  }

  async wrap(dek: Uint8Array): Promise<WrappedDek> {
    needs(dek instanceof Uint8Array && dek.length === DEK_BYTES, `wrap: a DEK is ${DEK_BYTES} bytes`);
    const result = await this.call("wrapKey", this.keyId, (client) => client.wrapKey(WRAP_ALGORITHM, dek));
    // The vault's answer, checked: it used exactly the version we named (so the kid we store is
    // true). A wrong answer is the vault's, not keyward's bug, so it is a KeyAccessError the
    // callers classify (Misconfigured: refused clearly, neither retried nor locked), not a needs().
    const used = parseKeyId(result.keyID ?? "");
    if (!sameKey(used, this.key) || used.version !== this.key.version) {
      throw new KeyAccessError("Misconfigured", "UnexpectedKeyVersion", `wrapKey on ${this.keyId}: the vault answered for ${result.keyID}`, { keyId: this.keyId, operation: "wrapKey" });
    }
    if (!(result.result instanceof Uint8Array) || result.result.length < 256) {
      throw new KeyAccessError("Misconfigured", "UnexpectedWrapResult", `wrapKey on ${this.keyId}: the wrapped DEK is ${result.result?.length ?? 0} bytes`, { keyId: this.keyId, operation: "wrapKey" });
    }
    return { wrapped: new Uint8Array(result.result), keyId: this.keyId, algorithm: WRAP_ALGORITHM };
  }

  async unwrap(wrapped: WrappedDek): Promise<Uint8Array> {
    needs(wrapped.algorithm === WRAP_ALGORITHM, `unwrap: only ${WRAP_ALGORITHM} is accepted, not ${String(wrapped.algorithm)}`);
    const target = parseKeyId(wrapped.keyId);
    needs(target.version, `unwrap: ${wrapped.keyId} is not a versioned key id; a wrapped DEK names the version that wrapped it`);
    needs(sameKey(target, this.key), `unwrap: ${wrapped.keyId} does not belong to ${this.keyName}`);
    needs(wrapped.wrapped instanceof Uint8Array && wrapped.wrapped.length > 0, "unwrap: nothing to unwrap");
    const result = await this.call("unwrapKey", target.id, (client) => client.unwrapKey(WRAP_ALGORITHM, wrapped.wrapped));
    const raw = result.result;
    if (!(raw instanceof Uint8Array) || raw.length !== DEK_BYTES) {
      if (raw instanceof Uint8Array) raw.fill(0);
      throw new KeyAccessError("Misconfigured", "UnexpectedUnwrapResult", `unwrapKey on ${target.id}: the result is not a ${DEK_BYTES}-byte DEK`, { keyId: target.id, operation: "unwrapKey" });
    }
    // A plain Uint8Array of our own; the SDK's Buffer (possibly a slice of Node's shared pool)
    // is wiped so the DEK does not linger there.
    const dek = new Uint8Array(raw);
    raw.fill(0);
    return dek;
  }

  private async call<T>(operation: string, keyId: string, fn: (client: ReturnType<KeyVaultClientFactory["cryptographyClient"]>) => Promise<T>): Promise<T> {
    try {
      return await withKeyVaultRetry(() => fn(this.clients.cryptographyClient(this.identity, keyId)), { operation, keyId }, this.deps.retry);
    } catch (err) {
      if (err instanceof KeyAccessError && err.kind !== "Transient") this.clients.evictCryptographyClient(this.identity, keyId);
      throw err;
    }
  }
}

/** What the vault said about a key's current version. */
export interface LatestKeyVersion {
  keyId: string;
  keyType: string;
  keyOps: string[];
  enabled: boolean;
  expiresOn?: Date;
  notBefore?: Date;
}

/** Asks the vault for the key's current version ("latest"), once, explicitly. */
export async function latestKeyVersion(identity: KeyVaultIdentity, vaultUrl: string, keyName: string, deps: VaultKeyWrapperDeps = {}): Promise<LatestKeyVersion> {
  const clients = deps.clients ?? keyVaultClients();
  const versionlessId = keyIdFor(vaultUrl, keyName);
  parseKeyId(versionlessId); // validates host and name before any token is asked for
  const key = await withKeyVaultRetry(() => clients.keyClient(identity, vaultUrl).getKey(keyName), { operation: "getKey", keyId: versionlessId }, deps.retry);
  const keyId = key.id ?? "";
  if (!isVersionedKeyId(keyId)) {
    throw new KeyAccessError("Misconfigured", "UnexpectedKeyId", `getKey on ${versionlessId}: the vault answered with ${keyId}`, { keyId: versionlessId, operation: "getKey" });
  }
  return {
    keyId: parseKeyId(keyId).id,
    keyType: String(key.keyType ?? ""),
    keyOps: [...(key.keyOperations ?? [])],
    enabled: key.properties.enabled !== false,
    expiresOn: key.properties.expiresOn,
    notBefore: key.properties.notBefore,
  };
}

/**
 * Refuses (KeyAccessError) a key version a fresh DEK must not be wrapped with: disabled, expired
 * or not yet valid (AccessLost, as the vault would answer), not RSA or without wrapKey/unwrapKey
 * (Misconfigured).
 */
export function assertUsableForWrap(latest: LatestKeyVersion, now = new Date()): void {
  const refuse = (kind: KeyAccessError["kind"], code: string, why: string) =>
    new KeyAccessError(kind, code, `${latest.keyId}: ${why}`, { keyId: latest.keyId, operation: "getKey" });
  if (!latest.enabled) throw refuse("AccessLost", "KeyDisabled", "the current key version is disabled");
  if (latest.expiresOn && latest.expiresOn.getTime() <= now.getTime()) throw refuse("AccessLost", "KeyExpired", `the current key version expired at ${latest.expiresOn.toISOString()}`);
  if (latest.notBefore && latest.notBefore.getTime() > now.getTime()) throw refuse("AccessLost", "KeyNotYetValid", `the current key version is not valid before ${latest.notBefore.toISOString()}`);
  if (latest.keyType !== "RSA" && latest.keyType !== "RSA-HSM") throw refuse("Misconfigured", "KeyTypeNotSupported", `the key type is ${latest.keyType}, not RSA or RSA-HSM`);
  if (!latest.keyOps.includes("wrapKey") || !latest.keyOps.includes("unwrapKey")) throw refuse("Misconfigured", "KeyOperationsMissing", "the key does not permit both wrapKey and unwrapKey");
}

/**
 * A wrapper pinned to the key's current version: resolves "latest" explicitly (latestKeyVersion),
 * checks it (assertUsableForWrap), and builds a VaultKeyWrapper on that versioned id.
 */
export async function wrapperForLatestVersion(
  identity: KeyVaultIdentity,
  vaultUrl: string,
  keyName: string,
  deps: VaultKeyWrapperDeps = {},
): Promise<VaultKeyWrapper> {
  const clients = deps.clients ?? keyVaultClients();
  const latest = await latestKeyVersion(identity, vaultUrl, keyName, { ...deps, clients });
  assertUsableForWrap(latest);
  return new VaultKeyWrapper(identity, latest.keyId, { ...deps, clients });
}

/** A fresh random DEK-sized value (for probes). */
export function randomDek(): Uint8Array {
  return new Uint8Array(randomBytes(DEK_BYTES));
}
