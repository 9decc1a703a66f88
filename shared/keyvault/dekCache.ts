// Unwrapped DEKs, in memory only, for a short time.
//
// - TTL from settings.dekCacheTtlSeconds, counted from the unwrap (not from the last read): it is
//   the bound on how long a running instance keeps using a key after the customer revokes it.
//   Each entry's TTL is shortened by a random part of up to settings.dekCacheTtlJitterPercent, so
//   DEKs unwrapped together (a burst after a restart, a page of re-encryption) do not all expire,
//   and hit the vault, in the same second; jitter only ever shortens, so the bound holds.
// - Single flight: one unwrap per DEK in flight at a time; concurrent readers await the same
//   promise. A failed unwrap is not cached (the next reader tries again).
// - Purges by key, by vault, by scope, or all, when access is lost or an environment locks.
// - Evicted DEK bytes are zeroed (best effort: the JS engine may have copied them).
// - Readers get their OWN copy of the DEK. Handing out the cached array would let an eviction
//   zero it under a reader that is still using it, and an all-zero key would silently encrypt.
import { needs } from "../errors";
import { settings } from "../settings";
import { normaliseVaultUrl, parseKeyId } from "./vaultResource";

/** Where a cached DEK lives: an environment (or key ring) id and the DEK's id within it. */
export interface DekCacheKey {
  scope: string;
  dekId: string;
}

/** Which key unwrapped the DEK, so purges by key and by vault find it. */
export interface DekSource {
  vaultUrl: string;
  /** The versioned key id the DEK was unwrapped with. */
  keyId: string;
}

interface Entry {
  /** Undefined for a plain string cache key. */
  scope?: string;
  vaultUrl: string;
  /** Versioned key id, normalised. */
  keyId: string;
  keyName: string;
  /** Settled value, once loaded. */
  dek?: Uint8Array;
  expiresAt: number;
  /** Present while the unwrap is in flight. */
  pending?: Promise<Uint8Array>;
}

export interface DekCacheOptions {
  ttlMs?: number;
  /** Fraction (0 to 0.5) of the TTL an entry may lose at random; default from the settings, or 0 with a fixed ttlMs. */
  jitter?: number;
  now?: () => number;
  /** 0 <= x < 1; Math.random by default. */
  random?: () => number;
}

function mapKey(key: DekCacheKey | string): string {
  return typeof key === "string" ? JSON.stringify([key]) : JSON.stringify([key.scope, key.dekId]);
}

export class DekCache {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly fixedTtlMs?: number;
  private readonly fixedJitter?: number;
  private readonly random: () => number;
  private lastSweep = 0;
  private lastTtlCheck = 0;

  constructor(options: DekCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.fixedTtlMs = options.ttlMs;
    this.fixedJitter = options.jitter;
    if (this.fixedTtlMs !== undefined && !(this.fixedTtlMs > 0)) throw new Error("DekCache: ttlMs must be positive");
    if (this.fixedJitter !== undefined && !(this.fixedJitter >= 0 && this.fixedJitter <= 0.5)) throw new Error("DekCache: jitter must be from 0 to 0.5");
  }

  private get ttlMs(): number {
    return this.fixedTtlMs ?? settings().dekCacheTtlSeconds * 1000;
  }

  /** One entry's TTL: the TTL less a random part of up to `jitter` of it (never longer). */
  private entryTtlMs(): number {
    const jitter = this.fixedJitter ?? (this.fixedTtlMs !== undefined ? 0 : settings().dekCacheTtlJitterPercent / 100);
    return this.ttlMs * (1 - jitter * this.random());
  }

  /** Number of entries (loaded or loading). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The DEK for `key`, from memory when fresh, else from `loader` (an unwrap), at most one loader
   * per key in flight. Returns a copy the caller owns (and may zero). The cache owns what
   * `loader` returns (it is zeroed once copied), so a loader returns a fresh array.
   * `key` is {scope, dekId}, or any non-empty string the caller composes (purgeByScope then does
   * not apply to it). A failed loader leaves nothing cached.
   */
  async getOrLoad(key: DekCacheKey | string, source: DekSource, loader: () => Promise<Uint8Array>): Promise<Uint8Array> {
    needs(typeof key === "string" ? key : key.scope && key.dekId, "DekCache.getOrLoad: a cache key (scope and dekId) is required; an empty one would share one DEK between callers");
    const id = mapKey(key);
    const now = this.now();
    this.maybeSweep(now);
    let entry = this.entries.get(id);
    if (entry && entry.dek && entry.expiresAt <= now) {
      this.evict(id, entry);
      entry = undefined;
    }
    if (entry?.dek) return new Uint8Array(entry.dek);
    if (entry?.pending) return new Uint8Array(await entry.pending);

    const parsed = parseKeyId(source.keyId);
    needs(parsed.version, `DekCache.getOrLoad: ${source.keyId} is not a versioned key id; purges by key version would miss the entry`);
    const fresh: Entry = { scope: typeof key === "string" ? undefined : key.scope, vaultUrl: normaliseVaultUrl(source.vaultUrl), keyId: parsed.id, keyName: parsed.name.toLowerCase(), expiresAt: Infinity };
    fresh.pending = (async () => {
      try {
        const dek = await loader();
        needs(dek instanceof Uint8Array && dek.length > 0, "DekCache: the loader returned no key; caching it would hand every reader an empty DEK");
        // Cache only if nobody purged this entry while the unwrap was in flight. The cache keeps
        // its own copy (zeroed on eviction); the loader's array goes to the waiters, which each
        // copy it in the microtasks that follow, and is zeroed on the next macrotask, when they
        // are all done with it.
        if (this.entries.get(id) === fresh) {
          fresh.dek = new Uint8Array(dek);
          fresh.expiresAt = this.now() + this.entryTtlMs();
          fresh.pending = undefined;
        }
        setImmediate(() => dek.fill(0));
        return dek;
      } catch (err) {
        if (this.entries.get(id) === fresh) this.entries.delete(id);
        needs(this.entries.get(id) !== fresh, "DekCache: a failed loader leaves nothing cached, so the next reader unwraps again");
        throw err;
      }
    })();
    this.entries.set(id, fresh);
    const dek = await fresh.pending;
    return new Uint8Array(dek);
  }

  /** Drops the DEKs unwrapped with a key: a bare key name (any vault), a versionless key id
   * (every version) or a versioned key id (that version). Returns how many were dropped. */
  purgeByKey(keyNameOrId: string): number {
    if (/^https:\/\//i.test(keyNameOrId)) {
      const target = parseKeyId(keyNameOrId);
      return this.purgeWhere((e) => (target.version ? e.keyId === target.id : e.keyId.startsWith(`${target.versionlessId}/`)));
    }
    const name = keyNameOrId.toLowerCase();
    return this.purgeWhere((e) => e.keyName === name);
  }

  /** Drops every DEK unwrapped with a key in this vault. */
  purgeByVault(vaultUrl: string): number {
    const url = normaliseVaultUrl(vaultUrl);
    return this.purgeWhere((e) => e.vaultUrl === url || e.keyId.startsWith(`${url}/`));
  }

  /** Drops every DEK of an environment (or key ring) cached under a {scope, dekId} key. */
  purgeByScope(scope: string): number {
    return this.purgeWhere((e) => e.scope === scope);
  }

  purgeAll(): number {
    return this.purgeWhere(() => true);
  }

  /** Evicts expired entries now (also done lazily, at most once per TTL, by getOrLoad). */
  sweep(): number {
    const now = this.now();
    this.lastSweep = now;
    return this.purgeWhere((e) => e.dek !== undefined && e.expiresAt <= now);
  }

  private maybeSweep(now: number): void {
    if (this.fixedTtlMs === undefined) {
      // settings() reads the process environment (~0.1 ms), too slow for every hit of the data
      // path: look at the TTL setting once a second at most (the setting is 1 s or more).
      if (now - this.lastTtlCheck < 1000) return;
      this.lastTtlCheck = now;
    }
    if (now - this.lastSweep >= this.ttlMs) this.sweep();
  }

  private purgeWhere(pred: (e: Entry) => boolean): number {
    let n = 0;
    for (const [id, e] of [...this.entries]) {
      if (pred(e)) { this.evict(id, e); n++; }
    }
    return n;
  }

  /** Removes the entry; an in-flight load finishes for its waiters but is not cached. */
  private evict(id: string, e: Entry): void {
    if (this.entries.get(id) === e) this.entries.delete(id);
    e.dek?.fill(0);
    e.dek = undefined;
  }
}

let defaultCache: DekCache | undefined;

/** The process-wide DEK cache. */
export function dekCache(): DekCache {
  defaultCache ??= new DekCache();
  return defaultCache;
}
