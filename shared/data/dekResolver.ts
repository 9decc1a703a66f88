// Turns an environment's key ring into usable keys: the DEK a ciphertext names, the active DEK
// for new writes, and the index key for blind indexes. Unwrapping goes through the injected
// `wrapperFor` (the composition root decides which vault and identity serve a key source) and the
// injected cache (short TTL, one unwrap per DEK in flight).
import type { KeyWrapper } from "../crypto/keyWrapper";
import { DEK_BYTES, type Dek } from "../crypto/dek";
import { IntegrityError } from "../crypto/integrityError";
import { findDek, toWrappedDek, type KeyRing, type KeySource, type WrappedCopy } from "../crypto/keyRing";
import { needs, notFound } from "../errors";
import type { KeyRingRepository } from "./keyRingRepository";
import { FreshCache } from "../state/freshCache";
import type { EncryptionBudget } from "./encryptionBudget";

/**
 * The part of shared/keyvault/dekCache.ts's DekCache this module uses, declared here so the real
 * class fits structurally without shared/data depending on it. Keys are {scope: environment id,
 * dekId}, the form DekCache.purgeByScope finds when an environment locks.
 */
export type DekLoaderCache = {
  getOrLoad(cacheKey: { scope: string; dekId: string }, meta: { vaultUrl: string; keyId: string }, loader: () => Promise<Uint8Array>): Promise<Uint8Array>;
};

/** The cache entry of the index key; "#" is outside the base64url alphabet of DEK ids. */
const INDEX_KEY_CACHE_ID = "#index-key";

export type WrapperFor = (source: KeySource, keyId: string) => KeyWrapper;

/** The keys of one environment as of one read of its ring, for the duration of one operation. */
export interface RingKeys {
  readonly ring: KeyRing;
  /** Precondition: the DEK is in the ring and not retired (else IntegrityError "UnknownDek"). */
  dekFor(dekId: string): Promise<Dek>;
  /**
   * The DEK for ONE new encryption: the active DEK, with the encryption counted (a rollover to a
   * fresh DEK happens here when the active one reached its limit, so the DEK returned may be
   * newer than `ring.activeDekId`). Without an encryption budget, the active DEK uncounted.
   */
  activeDek(): Promise<Dek>;
  /** As activeDek, for `encryptions` new encryptions at once (a page of re-encryption). */
  sealingDek(encryptions: number): Promise<Dek>;
  indexKey(): Promise<Uint8Array>;
}

export interface DekResolver {
  /** Reads the ring once; use it for every key one operation needs. 404 KeyRingNotFound. */
  keysFor(environmentId: string): Promise<RingKeys>;
  /**
   * For reading data and locating items: a ring read at most `ringMaxAgeMs` ago (usually no
   * storage call). A ciphertext naming a DEK that ring does not hold re-reads the ring once, so a
   * DEK added since is found. Never for choosing the DEK of a write: use keysForWrite for that.
   */
  keysForRead(environmentId: string): Promise<RingKeys>;
  /**
   * For choosing the DEK of a write: a ring read at most `writeRingMaxAgeMs` ago (0: read now).
   * A key change made elsewhere is therefore used by this instance's writes at most that long
   * later; the retire proof waits that out (dekCounts PROOF_SETTLE_MS).
   */
  keysForWrite(environmentId: string): Promise<RingKeys>;
  dekFor(environmentId: string, dekId: string): Promise<Dek>;
  activeDek(environmentId: string): Promise<Dek>;
  indexKey(environmentId: string): Promise<Uint8Array>;
}

function vaultUrlOf(keyId: string): string {
  try {
    return new URL(keyId).origin;
  } catch {
    return "";
  }
}

/** A transient failure means a retry may work; it must not be reported as lost access, which locks. */
function mostTellingError(errors: unknown[]): unknown {
  return errors.find((e) => (e as { kind?: unknown } | null)?.kind === "Transient") ?? errors[0];
}

async function unwrapFirstWorking(copies: WrappedCopy[], wrapperFor: WrapperFor): Promise<Uint8Array> {
  const errors: unknown[] = [];
  for (const copy of copies) {
    try {
      const secret = await wrapperFor(copy.source, copy.keyId).unwrap(toWrappedDek(copy));
      needs(secret.length === DEK_BYTES, `unwrapping gives a full-size key (a broken wrapper is tried no further): ${copy.keyId} gave ${secret.length} bytes, not ${DEK_BYTES}`);
      return secret;
    } catch (err) {
      errors.push(err);
    }
  }
  throw mostTellingError(errors);
}

export function createDekResolver(deps: {
  rings: Pick<KeyRingRepository, "read">;
  wrapperFor: WrapperFor;
  cache: DekLoaderCache;
  /** How old a ring keysForRead may use; 0 (default) reads it every time. */
  ringMaxAgeMs?: number;
  /** How old a ring keysForWrite may use; 0 (default) reads it every time. Kept at most 500 ms by settings. */
  writeRingMaxAgeMs?: number;
  /** Counts encryptions and rolls DEKs over at their limit; absent, nothing is counted. */
  budget?: EncryptionBudget;
}): DekResolver {
  const rings = new FreshCache<KeyRing>({ maxAgeMs: deps.ringMaxAgeMs ?? 0 });
  const writeRings = new FreshCache<KeyRing>({ maxAgeMs: deps.writeRingMaxAgeMs ?? 0 });
  const load = (cacheKey: { scope: string; dekId: string }, copies: WrappedCopy[]) =>
    // The cache is told the copy tried first, so purging that key (on lost access) drops the entry.
    deps.cache.getOrLoad(cacheKey, { vaultUrl: vaultUrlOf(copies[0].keyId), keyId: copies[0].keyId }, () =>
      unwrapFirstWorking(copies, deps.wrapperFor),
    );

  // One snapshot serves one operation (a request, a page of re-encryption): each key is fetched
  // from the cache once per snapshot, not once per item. Failures are not remembered.
  const bind = (ring: KeyRing): RingKeys => {
    const fetched = new Map<string, Promise<Uint8Array>>();
    const once = (id: string, copies: WrappedCopy[]) => {
      let key = fetched.get(id);
      if (!key) {
        key = load({ scope: ring.environmentId, dekId: id }, copies);
        key.catch(() => fetched.delete(id));
        fetched.set(id, key);
      }
      return key;
    };
    const dekFor = async (dekId: string): Promise<Dek> => {
      const entry = findDek(ring, dekId);
      // Precondition: the ring holds this DEK wrapped. A ciphertext naming any other DEK was not
      // written for this environment, or its DEK was retired although data still used it.
      if (!entry || entry.wrapped.length === 0) {
        throw new IntegrityError("UnknownDek", `Ciphertext names DEK ${dekId}, which environment ${ring.environmentId} ${entry ? "has retired" : "does not have"}`);
      }
      return { id: dekId, key: await once(dekId, entry.wrapped) };
    };
    const sealingDek = async (encryptions: number): Promise<Dek> => {
      if (!deps.budget) return dekFor(ring.activeDekId);
      const counted = await deps.budget.reserve(ring, encryptions);
      return counted.ring === ring ? dekFor(counted.dekId) : bind(counted.ring).dekFor(counted.dekId);
    };
    return {
      ring,
      dekFor,
      activeDek: () => sealingDek(1),
      sealingDek,
      indexKey: () => once(INDEX_KEY_CACHE_ID, ring.indexKey.wrapped),
    };
  };

  const ringNotFound = (environmentId: string) =>
    notFound("KeyRingNotFound", `Environment ${environmentId} has no encrypted data store; it was never initialized.`, environmentId);

  /** Reads the ring now; every cache of it takes the read, aged from its start. */
  const readRing = async (environmentId: string): Promise<KeyRing | undefined> => {
    const startedAt = Date.now();
    const ring = await deps.rings.read(environmentId);
    if (ring) {
      rings.set(environmentId, ring, startedAt);
      writeRings.set(environmentId, ring, startedAt);
    }
    return ring;
  };

  const keysFor = async (environmentId: string): Promise<RingKeys> => {
    const ring = await readRing(environmentId);
    if (!ring) throw ringNotFound(environmentId);
    return bind(ring);
  };

  const keysForWrite = async (environmentId: string): Promise<RingKeys> => {
    const ring = await writeRings.get(environmentId, () => readRing(environmentId));
    if (!ring) throw ringNotFound(environmentId);
    return bind(ring);
  };

  const keysForRead = async (environmentId: string): Promise<RingKeys> => {
    const ring = await rings.get(environmentId, () => readRing(environmentId));
    if (!ring) throw ringNotFound(environmentId);
    const keys = bind(ring);
    let fresh: Promise<RingKeys> | undefined;
    return {
      ...keys,
      dekFor: (dekId) => {
        if (findDek(ring, dekId)?.wrapped.length) return keys.dekFor(dekId);
        fresh ??= keysFor(environmentId);
        return fresh.then((k) => k.dekFor(dekId));
      },
    };
  };

  return {
    keysFor,
    keysForRead,
    keysForWrite,
    dekFor: async (environmentId, dekId) => (await keysFor(environmentId)).dekFor(dekId),
    activeDek: async (environmentId) => (await keysFor(environmentId)).activeDek(),
    indexKey: async (environmentId) => (await keysFor(environmentId)).indexKey(),
  };
}
