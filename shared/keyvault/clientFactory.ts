// One KeyClient per (identity, vault) and one CryptographyClient per (identity, versioned key id),
// kept for reuse: each client holds a completed auth challenge, a token cache and (crypto) the
// fetched public key, so rebuilding them per call would double the vault traffic.
// The cache is keyed by the transport settings as well, so a test or the local runtime changing
// the environment gets fresh clients.
import { CryptographyClient, KeyClient } from "@azure/keyvault-keys";
import { needs } from "../errors";
import { settings } from "../settings";
import { credentialFor, type KeyVaultIdentity } from "./credentials";
import { keyVaultClientOptions, localVaultManagementUrl } from "./transport";
import { normaliseVaultUrl, parseKeyId } from "./vaultResource";

export interface ClientFactoryOptions {
  requestTimeoutMs?: number;
  /** Most clients of each kind kept; the least recently used goes first. */
  maxClients?: number;
}

/** A Map used as an LRU: re-inserted on use, oldest first. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) { this.map.delete(key); this.map.set(key, v); }
    return v;
  }
  set(key: string, v: V): void {
    this.map.set(key, v);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
  deleteWhere(pred: (key: string) => boolean): number {
    let n = 0;
    for (const key of [...this.map.keys()]) if (pred(key)) { this.map.delete(key); n++; }
    return n;
  }
  clear(): void { this.map.clear(); }
}

export class KeyVaultClientFactory {
  private readonly keyClients: Lru<KeyClient>;
  private readonly cryptoClients: Lru<CryptographyClient>;

  constructor(private readonly options: ClientFactoryOptions = {}) {
    this.keyClients = new Lru(options.maxClients ?? 500);
    this.cryptoClients = new Lru(options.maxClients ?? 500);
  }

  private prefix(identity: KeyVaultIdentity): string {
    const s = settings();
    return JSON.stringify([s.identityMode, s.localTokenEndpoint, s.vaultCaCertPath, localVaultManagementUrl(), identity.principalId, identity.clientId ?? ""]);
  }

  /** `vaultUrl` is https://host[:port] (normaliseVaultUrl refuses anything else). */
  keyClient(identity: KeyVaultIdentity, vaultUrl: string): KeyClient {
    const url = normaliseVaultUrl(vaultUrl);
    const key = `${this.prefix(identity)}\n${url}`;
    let client = this.keyClients.get(key);
    if (!client) {
      client = new KeyClient(url, credentialFor(identity), keyVaultClientOptions(this.options));
      this.keyClients.set(key, client);
    }
    return client;
  }

  /** A client for one key version. */
  cryptographyClient(identity: KeyVaultIdentity, keyId: string): CryptographyClient {
    const parsed = parseKeyId(keyId);
    needs(parsed.version, `cryptographyClient: ${keyId} is not a versioned key id; a versionless one would let the vault pick "latest" behind our back, and the kid stored beside a wrapped DEK would then lie`);
    const key = `${this.prefix(identity)}\n${parsed.id}`;
    let client = this.cryptoClients.get(key);
    if (!client) {
      client = new CryptographyClient(parsed.id, credentialFor(identity), keyVaultClientOptions(this.options));
      this.cryptoClients.set(key, client);
    }
    return client;
  }

  /**
   * Drops the cached CryptographyClient for a key version. Called when access is lost: the
   * client caches the key it fetched (attributes included), and its client-side expiry check
   * would otherwise keep failing from that stale copy after the customer extends the expiry.
   */
  evictCryptographyClient(identity: KeyVaultIdentity, keyId: string): void {
    const id = parseKeyId(keyId).id;
    this.cryptoClients.deleteWhere((k) => k === `${this.prefix(identity)}\n${id}`);
  }

  /** Drops every client for a vault (all identities). */
  evictVault(vaultUrl: string): void {
    const url = normaliseVaultUrl(vaultUrl);
    this.keyClients.deleteWhere((k) => k.endsWith(`\n${url}`));
    this.cryptoClients.deleteWhere((k) => k.split("\n")[1]?.startsWith(`${url}/`) ?? false);
  }

  clear(): void {
    this.keyClients.clear();
    this.cryptoClients.clear();
  }
}

let defaultFactory: KeyVaultClientFactory | undefined;

/** The process-wide factory. */
export function keyVaultClients(): KeyVaultClientFactory {
  defaultFactory ??= new KeyVaultClientFactory();
  return defaultFactory;
}
