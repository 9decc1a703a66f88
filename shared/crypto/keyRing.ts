// The pure model of an environment's key ring: which DEKs exist, which one new writes use, and
// under which key versions each DEK (and the index key) is stored wrapped. Every transition is a
// pure function that checks its preconditions, returns a new ring with `version` + 1 and leaves
// its input untouched; persisting it is keyRingRepository's job, deciding when is the
// orchestrations' job.
import { WRAP_ALGORITHM, type WrappedDek } from "./keyWrapper";
import { isDekId } from "./dek";

export type KeySourceKind = "PlatformManaged" | "CustomerManaged" | "Byok";
const SOURCE_KINDS: readonly KeySourceKind[] = ["PlatformManaged", "CustomerManaged", "Byok"];

export interface KeySource {
  kind: KeySourceKind;
  /** The enterprise policy, for CustomerManaged. */
  policy?: string;
  /** The policy's tenant, for CustomerManaged (policy names are unique within a tenant). */
  tenantId?: string;
}

/** The same key source: the platform key, the BYOK key, or one enterprise policy's key. */
export function sameKeySource(a: KeySource, b: KeySource): boolean {
  return a.kind === b.kind && (a.policy ?? "") === (b.policy ?? "") && (a.tenantId ?? "") === (b.tenantId ?? "");
}

/** One DEK (or the index key) wrapped under one key version. */
export interface WrappedCopy {
  /** base64 of the wrapped bytes. */
  wrapped: string;
  /** The versioned key id that wrapped it. */
  keyId: string;
  algorithm: typeof WRAP_ALGORITHM;
  source: KeySource;
}

/**
 * active: new writes use it (exactly one). retiring: data may still be under it while it is
 * re-encrypted. retired: nothing uses it; its wrapped copies are gone, only the id stays as history.
 */
export type DekState = "active" | "retiring" | "retired";

export interface DekEntry {
  dekId: string;
  state: DekState;
  createdAt: string;
  retiredAt?: string;
  wrapped: WrappedCopy[];
  /**
   * Encryptions reserved under this DEK (absent: 0, a ring written before counting). Writers
   * reserve blocks before they encrypt, so this bounds the encryptions made from above: the
   * over-count is the unused part of the blocks held when a process stopped.
   */
  encryptions?: number;
  /** The DEK this one replaced when that one reached its encryption limit (rollover). */
  rolledOverFrom?: string;
}

export interface KeyRing {
  environmentId: string;
  /** +1 on every transition. */
  version: number;
  activeDekId: string;
  /** Storage partitions of the environment's records and files; fixed when the ring is created. */
  buckets: number;
  /**
   * 2: every record row is in layout 2 (shared/data/recordStore.ts), as for every environment
   * created since it exists. Absent: rows of layout 1 may remain, and are still read.
   */
  recordLayout?: 2;
  deks: DekEntry[];
  indexKey: { wrapped: WrappedCopy[] };
}

export type KeyRingErrorCode =
  | "InvalidKeyRing"
  | "InvalidWrappedCopy"
  | "DekAlreadyInRing"
  | "DekNotInRing"
  | "DekRetired"
  | "DekIsActive"
  | "DekNotRetiring"
  | "CopyAlreadyPresent"
  | "NoMatchingCopies"
  | "LastCopy"
  | "DekLimitReached"
  | "RolloverCopiesDiffer";

/** A refused precondition of a key ring transition: a bug or a race in the caller, never data. */
export class KeyRingError extends Error {
  constructor(readonly code: KeyRingErrorCode, message: string) {
    super(message);
    this.name = "KeyRingError";
  }
}

export const MAX_BUCKETS = 1024;

/**
 * The most encryptions any DEK may ever make: with 96-bit random nonces, 2^32 keeps the chance
 * of a repeated nonce under 2^-32 (NIST SP 800-38D, 8.3). The configured limit
 * (KEYWARD_DEK_MAX_ENCRYPTIONS) sits below it; this is the invariant no setting can lift.
 */
export const MAX_DEK_ENCRYPTIONS = 2 ** 32;

/** https://{vault}/keys/{name}/{version}: a wrapped copy is useless without the exact version. */
export function isVersionedKeyId(keyId: string): boolean {
  try {
    const url = new URL(keyId);
    return url.protocol === "https:" && /^\/keys\/[^/]+\/[^/]+\/?$/.test(url.pathname);
  } catch {
    return false;
  }
}

/** The key a versioned id belongs to, without the version: https://{vault}/keys/{name}. */
export function versionlessKeyId(keyId: string): string {
  if (!isVersionedKeyId(keyId)) throw new KeyRingError("InvalidWrappedCopy", `${keyId} is not a versioned key id`);
  const url = new URL(keyId);
  const [, , name] = url.pathname.split("/");
  return `${url.origin}/keys/${name}`;
}

export function toWrappedCopy(wrapped: WrappedDek, source: KeySource): WrappedCopy {
  const copy: WrappedCopy = {
    wrapped: Buffer.from(wrapped.wrapped).toString("base64"),
    keyId: wrapped.keyId,
    algorithm: wrapped.algorithm,
    source: source.policy === undefined ? { kind: source.kind } : { kind: source.kind, policy: source.policy, ...(source.tenantId ? { tenantId: source.tenantId } : {}) },
  };
  assertWrappedCopy(copy);
  return copy;
}

export function toWrappedDek(copy: WrappedCopy): WrappedDek {
  return { wrapped: new Uint8Array(Buffer.from(copy.wrapped, "base64")), keyId: copy.keyId, algorithm: copy.algorithm };
}

function invalid(message: string): KeyRingError {
  return new KeyRingError("InvalidKeyRing", message);
}

export function assertWrappedCopy(copy: WrappedCopy): void {
  const bad = (why: string) => new KeyRingError("InvalidWrappedCopy", `Wrapped copy ${copy?.keyId ?? ""}: ${why}`);
  if (typeof copy !== "object" || copy === null) throw bad("not an object");
  if (typeof copy.wrapped !== "string" || copy.wrapped.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(copy.wrapped)) {
    throw bad("wrapped bytes must be non-empty base64");
  }
  if (typeof copy.keyId !== "string" || !isVersionedKeyId(copy.keyId)) throw bad("keyId must be a versioned key id");
  // Only RSA-OAEP-256: with RSA-OAEP (SHA-1) the SDK wraps locally and a revoked key keeps working.
  if (copy.algorithm !== WRAP_ALGORITHM) throw bad(`algorithm must be ${WRAP_ALGORITHM}`);
  if (typeof copy.source !== "object" || copy.source === null || !SOURCE_KINDS.includes(copy.source.kind)) {
    throw bad("source.kind must be PlatformManaged, CustomerManaged or Byok");
  }
  if (copy.source.policy !== undefined && (typeof copy.source.policy !== "string" || copy.source.policy === "")) {
    throw bad("source.policy must be a non-empty string when present");
  }
  if (copy.source.kind === "CustomerManaged" && !copy.source.policy) throw bad("a CustomerManaged copy names its policy");
}

function assertCopies(owner: string, copies: WrappedCopy[], mustHaveOne: boolean): void {
  if (!Array.isArray(copies)) throw invalid(`${owner}: wrapped must be an array`);
  copies.forEach(assertWrappedCopy);
  if (mustHaveOne && copies.length === 0) throw invalid(`${owner} has no wrapped copy: it could never be unwrapped`);
  if (new Set(copies.map((c) => c.keyId)).size !== copies.length) throw invalid(`${owner} has two copies under one key version`);
}

/** Every invariant of a ring. The repository checks it on every read and write. */
export function assertKeyRing(ring: KeyRing): KeyRing {
  if (typeof ring !== "object" || ring === null) throw invalid("not an object");
  if (typeof ring.environmentId !== "string" || ring.environmentId === "") throw invalid("environmentId missing");
  if (!Number.isInteger(ring.version) || ring.version < 1) throw invalid("version must be a positive whole number");
  if (!Number.isInteger(ring.buckets) || ring.buckets < 1 || ring.buckets > MAX_BUCKETS) {
    throw invalid(`buckets must be a whole number from 1 to ${MAX_BUCKETS}`);
  }
  if (!Array.isArray(ring.deks)) throw invalid("deks must be an array");
  const ids = new Set<string>();
  for (const dek of ring.deks) {
    if (!isDekId(dek?.dekId)) throw invalid("a DEK id is malformed");
    if (ids.has(dek.dekId)) throw invalid(`DEK ${dek.dekId} is listed twice`);
    ids.add(dek.dekId);
    if (!["active", "retiring", "retired"].includes(dek.state)) throw invalid(`DEK ${dek.dekId} has an unknown state`);
    if (typeof dek.createdAt !== "string") throw invalid(`DEK ${dek.dekId} has no createdAt`);
    assertCopies(`DEK ${dek.dekId}`, dek.wrapped, dek.state !== "retired");
    if (dek.state === "retired" && dek.wrapped.length > 0) throw invalid(`retired DEK ${dek.dekId} still has wrapped copies`);
    const used = dek.encryptions ?? 0;
    if (!Number.isInteger(used) || used < 0 || used > MAX_DEK_ENCRYPTIONS) {
      throw invalid(`DEK ${dek.dekId} counts ${used} encryptions: a whole number from 0 to ${MAX_DEK_ENCRYPTIONS} (its nonce limit)`);
    }
  }
  for (const dek of ring.deks) {
    if (dek.rolledOverFrom !== undefined && (dek.rolledOverFrom === dek.dekId || !ids.has(dek.rolledOverFrom))) {
      throw invalid(`DEK ${dek.dekId} names a DEK it rolled over from that is not another DEK of the ring`);
    }
  }
  const active = ring.deks.filter((d) => d.state === "active");
  if (active.length !== 1 || active[0].dekId !== ring.activeDekId) {
    throw invalid("exactly one DEK must be active, and it must be activeDekId");
  }
  if (typeof ring.indexKey !== "object" || ring.indexKey === null) throw invalid("indexKey missing");
  assertCopies("The index key", ring.indexKey.wrapped, true);
  return ring;
}

/** Returns `next` after checking it, for the postcondition of every transition. */
function bumped(ring: KeyRing, changes: Partial<KeyRing>): KeyRing {
  return assertKeyRing({ ...ring, ...changes, version: ring.version + 1 });
}

export function findDek(ring: KeyRing, dekId: string): DekEntry | undefined {
  return ring.deks.find((d) => d.dekId === dekId);
}

function requireDek(ring: KeyRing, dekId: string): DekEntry {
  const dek = findDek(ring, dekId);
  if (!dek) throw new KeyRingError("DekNotInRing", `DEK ${dekId} is not in the key ring of environment ${ring.environmentId}`);
  return dek;
}

export function createKeyRing(input: {
  environmentId: string;
  dekId: string;
  dekCopy: WrappedCopy;
  indexKeyCopy: WrappedCopy;
  buckets: number;
  now: Date;
}): KeyRing {
  // Preconditions (the rest are the ring invariants, checked on the result).
  if (!isDekId(input.dekId)) throw invalid("the first DEK id is malformed");
  return assertKeyRing({
    environmentId: input.environmentId,
    version: 1,
    activeDekId: input.dekId,
    buckets: input.buckets,
    deks: [{ dekId: input.dekId, state: "active", createdAt: input.now.toISOString(), wrapped: [input.dekCopy] }],
    indexKey: { wrapped: [input.indexKeyCopy] },
  });
}

/** A new DEK becomes active; the previous active one starts retiring (data still uses it). */
export function addActiveDek(ring: KeyRing, input: { dekId: string; copy: WrappedCopy; now: Date }): KeyRing {
  // Precondition: a fresh id. Reusing an id would make ciphertexts ambiguous about their key.
  if (!isDekId(input.dekId)) throw invalid("the new DEK id is malformed");
  if (findDek(ring, input.dekId)) throw new KeyRingError("DekAlreadyInRing", `DEK ${input.dekId} is already in the key ring`);
  assertWrappedCopy(input.copy);
  const deks = ring.deks.map((d): DekEntry => (d.state === "active" ? { ...d, state: "retiring" } : d));
  deks.push({ dekId: input.dekId, state: "active", createdAt: input.now.toISOString(), wrapped: [input.copy] });
  return bumped(ring, { deks, activeDekId: input.dekId });
}

/** Which part of the ring a wrapped copy belongs to. */
export type CopyOwner = { dekId: string } | "indexKey";

export function copiesOf(ring: KeyRing, owner: CopyOwner): WrappedCopy[] {
  return owner === "indexKey" ? ring.indexKey.wrapped : requireDek(ring, owner.dekId).wrapped;
}

/**
 * Adds a wrapped copy of an existing DEK or of the index key under another key version: rotation
 * re-wrap and the first step of moving to another key. The data is untouched.
 */
export function addWrappedCopy(ring: KeyRing, owner: CopyOwner, copy: WrappedCopy): KeyRing {
  assertWrappedCopy(copy);
  const existing = copiesOf(ring, owner);
  if (owner !== "indexKey" && requireDek(ring, owner.dekId).state === "retired") {
    throw new KeyRingError("DekRetired", `DEK ${owner.dekId} is retired; nothing may be wrapped for it again`);
  }
  if (existing.some((c) => c.keyId === copy.keyId)) {
    throw new KeyRingError("CopyAlreadyPresent", `${describe(owner)} already has a copy under ${copy.keyId}`);
  }
  if (owner === "indexKey") return bumped(ring, { indexKey: { wrapped: [...existing, copy] } });
  return bumped(ring, { deks: ring.deks.map((d) => (d.dekId === owner.dekId ? { ...d, wrapped: [...d.wrapped, copy] } : d)) });
}

/** Matches copies by exact key version, or every version of one key. */
export type CopyMatch = { keyId: string } | { versionlessKeyId: string };

export function copyMatches(copy: WrappedCopy, match: CopyMatch): boolean {
  return "keyId" in match ? copy.keyId === match.keyId : versionlessKeyId(copy.keyId) === match.versionlessKeyId;
}

/** True when some DEK or the index key still has a copy the match selects. */
export function hasCopies(ring: KeyRing, match: CopyMatch): boolean {
  return [...ring.deks.map((d) => d.wrapped), ring.indexKey.wrapped].some((copies) => copies.some((c) => copyMatches(c, match)));
}

/**
 * Drops every copy under a key version (or key) once nothing needs it: after a rotation re-wrap,
 * or after data moved to a DEK under another key.
 */
export function dropWrappedCopies(ring: KeyRing, match: CopyMatch): KeyRing {
  // Precondition: something to drop, so a caller that raced or mistyped the key id hears of it.
  if (!hasCopies(ring, match)) throw new KeyRingError("NoMatchingCopies", `No wrapped copy matches ${JSON.stringify(match)}`);
  const keep = (owner: string, copies: WrappedCopy[]) => {
    const left = copies.filter((c) => !copyMatches(c, match));
    // Precondition: dropping must never strand a live DEK or the index key without a copy:
    // that would make its data unreadable for good.
    if (copies.length > 0 && left.length === 0) {
      throw new KeyRingError("LastCopy", `${owner} has no other wrapped copy; wrap it under another key before dropping ${JSON.stringify(match)}`);
    }
    return left;
  };
  return bumped(ring, {
    deks: ring.deks.map((d) => (d.state === "retired" ? d : { ...d, wrapped: keep(`DEK ${d.dekId}`, d.wrapped) })),
    indexKey: { wrapped: keep("The index key", ring.indexKey.wrapped) },
  });
}

/**
 * Retires a DEK: its wrapped copies are dropped (crypto-shredding it), only its id stays.
 * Precondition the caller asserts: no stored item uses it (countUnderDek says 0).
 */
export function retireDek(ring: KeyRing, dekId: string, now: Date): KeyRing {
  const dek = requireDek(ring, dekId);
  if (dek.state === "active") throw new KeyRingError("DekIsActive", `DEK ${dekId} is active; make another DEK active first`);
  if (dek.state !== "retiring") throw new KeyRingError("DekNotRetiring", `DEK ${dekId} is already retired`);
  return bumped(ring, {
    deks: ring.deks.map((d): DekEntry => (d.dekId === dekId ? { ...d, state: "retired", retiredAt: now.toISOString(), wrapped: [] } : d)),
  });
}

/** Encryptions counted (reserved) under a DEK. */
export function encryptionsOf(dek: DekEntry): number {
  return dek.encryptions ?? 0;
}

/**
 * Reserves `count` more encryptions under the active DEK. Precondition: the DEK stays within
 * `limit` (the configured one, at most MAX_DEK_ENCRYPTIONS); else DekLimitReached, and the
 * caller rolls the DEK over (rollOverDek) instead. A limit lowered below a DEK's count refuses
 * every reservation, so the next write rolls over.
 */
export function reserveEncryptions(ring: KeyRing, dekId: string, count: number, limit: number): KeyRing {
  if (!Number.isInteger(count) || count < 1) throw invalid("encryptions are reserved in whole numbers of at least 1");
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DEK_ENCRYPTIONS) throw invalid(`the encryption limit must be a whole number from 1 to ${MAX_DEK_ENCRYPTIONS}`);
  const dek = requireDek(ring, dekId);
  if (dek.state !== "active") throw new KeyRingError("DekIsActive", `DEK ${dekId} is not the active DEK; only the active DEK encrypts`);
  if (encryptionsOf(dek) + count > limit) {
    throw new KeyRingError("DekLimitReached", `DEK ${dekId} has ${encryptionsOf(dek)} of its ${limit} encryptions counted; roll it over to a fresh DEK`);
  }
  return bumped(ring, { deks: ring.deks.map((d) => (d.dekId === dekId ? { ...d, encryptions: encryptionsOf(d) + count } : d)) });
}

/**
 * The active DEK reached its limit: a fresh DEK becomes active, wrapped under exactly the key
 * versions the old one is (so the rollover changes no key dependency), and the old one stays
 * readable as retiring; nothing is re-encrypted. `reserve` encryptions are counted under the new
 * DEK at once (the caller's block). Preconditions: the old DEK cannot take `reserve` more within
 * `limit`, and the new DEK's copies match the old one's key versions one to one.
 */
export function rollOverDek(ring: KeyRing, input: { dekId: string; copies: WrappedCopy[]; now: Date; limit: number; reserve: number }): KeyRing {
  const old = requireDek(ring, ring.activeDekId);
  if (encryptionsOf(old) + input.reserve <= input.limit) {
    throw invalid(`DEK ${old.dekId} can still take ${input.limit - encryptionsOf(old)} encryptions; it is rolled over only at its limit`);
  }
  if (input.reserve > input.limit) throw invalid(`a block of ${input.reserve} encryptions does not fit the limit of ${input.limit}`);
  input.copies.forEach(assertWrappedCopy);
  const want = old.wrapped.map((c) => c.keyId).sort();
  const have = input.copies.map((c) => c.keyId).sort();
  if (want.length !== have.length || want.some((k, i) => k !== have[i])) {
    throw new KeyRingError("RolloverCopiesDiffer", `A rolled-over DEK is wrapped under the key versions of the one it replaces (${want.join(", ")}), not ${have.join(", ")}`);
  }
  const next = addActiveDek(ring, { dekId: input.dekId, copy: input.copies[0], now: input.now });
  return assertKeyRing({
    ...next,
    deks: next.deks.map((d) => (d.dekId === input.dekId ? { ...d, wrapped: input.copies, encryptions: input.reserve, rolledOverFrom: old.dekId } : d)),
  });
}

/**
 * The active DEK and the DEKs it replaced by rollover (newest first, while they are live): one
 * key-operation target, for a rekey that started before a rollover. Data under any of them is
 * where the rekey wanted it.
 */
export function activeLineage(ring: KeyRing): string[] {
  const lineage: string[] = [];
  for (let dek = findDek(ring, ring.activeDekId); dek && dek.state !== "retired" && !lineage.includes(dek.dekId); dek = dek.rolledOverFrom ? findDek(ring, dek.rolledOverFrom) : undefined) {
    lineage.push(dek.dekId);
  }
  return lineage;
}

export function retiringDekIds(ring: KeyRing): string[] {
  return ring.deks.filter((d) => d.state === "retiring").map((d) => d.dekId);
}

/**
 * Whether reading the environment needs `source`: some live DEK, or the index key, is wrapped
 * under that source only. False means every key can still be unwrapped without it (e.g. an add
 * that failed before any data went under the customer key).
 */
export function needsKeySource(ring: KeyRing, source: KeySource): boolean {
  const only = (copies: WrappedCopy[]) => copies.length > 0 && copies.every((c) => sameKeySource(c.source, source));
  return ring.deks.some((d) => d.state !== "retired" && only(d.wrapped)) || only(ring.indexKey.wrapped);
}

/** Every versioned key id the ring still needs, with what needs it (for key usage reports). */
export function keyIdsInUse(ring: KeyRing): Map<string, CopyOwner[]> {
  const uses = new Map<string, CopyOwner[]>();
  const note = (keyId: string, owner: CopyOwner) => uses.set(keyId, [...(uses.get(keyId) ?? []), owner]);
  for (const d of ring.deks) for (const c of d.wrapped) note(c.keyId, { dekId: d.dekId });
  for (const c of ring.indexKey.wrapped) note(c.keyId, "indexKey");
  return uses;
}

function describe(owner: CopyOwner): string {
  return owner === "indexKey" ? "The index key" : `DEK ${owner.dekId}`;
}
