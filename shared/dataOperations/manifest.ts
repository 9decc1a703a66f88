// A backup's manifest: what it is, and the keys that open it. The keys are a snapshot of the
// environment's key ring (its live DEKs and the index key, each wrapped, with the key version that
// wrapped it), taken when the backup began; from then on they follow the environment's key on
// their own (follow.ts): a new key or key version adds a copy, and the copy it supersedes is kept
// while the reference's rules say (retention.ts) when it is under a customer key, dropped at once
// when it is under the platform's (so a backup on a customer key is protected by that key alone).
import { assertWrappedCopy, sameKeySource, type KeySource, type WrappedCopy } from "../crypto/keyRing";
import type { KeyType } from "../domain/environment";
import { BACKUP_FORMAT } from "./layout";
import { retainedUntil, type RetirementReason } from "./retention";

export interface BackupCopy extends WrappedCopy {
  addedAt: string;
  /** Set once a newer key superseded the copy: it is kept until then, then dropped. */
  retainUntil?: string;
  retainReason?: RetirementReason;
}

export interface BackupKeySet {
  deks: { dekId: string; wrapped: BackupCopy[] }[];
  indexKey: { wrapped: BackupCopy[] };
}

export type BackupStatus = "Creating" | "Completed" | "Failed";

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  backupId: string;
  /** The data id of the environment it was taken from (its ciphertexts are bound to it). */
  environmentId: string;
  /**
   * The data id it is stored under, when that is not `environmentId`: the environment's backups'
   * data id (Environment.backupsDataId) after a restore or copy moved its data to a fresh generation.
   */
  storedUnder?: string;
  /** The tenant and the environment's name, for the API's views (never the data id). */
  tenantId?: string;
  environmentName?: string;
  /** The operation that took it (history). */
  operationId: string;
  status: BackupStatus;
  createdAt: string;
  completedAt?: string;
  /** The source environment's partitions (its key ring's buckets). */
  buckets: number;
  /** The environment's key when the backup was taken. */
  takenUnder: { keyType: KeyType; policy?: string; keyId?: string };
  items: { records: number; files: number };
  /** Per bucket, how many record segments the backup holds (set when it completes). */
  recordSegments?: number[];
  keys: BackupKeySet;
  error?: { code: string; message: string };
}

/** Which secret a copy belongs to: a DEK id, or "#index" for the index key. */
export type KeyOwner = string;
export const INDEX_OWNER: KeyOwner = "#index";

export function ownersOf(keys: BackupKeySet): { owner: KeyOwner; copies: BackupCopy[] }[] {
  return [...keys.deks.map((d) => ({ owner: d.dekId, copies: d.wrapped })), { owner: INDEX_OWNER, copies: keys.indexKey.wrapped }];
}

export const isLive = (c: BackupCopy) => c.retainUntil === undefined;

/** Live copies first (newest first), then retained ones (latest retention first): the order to try unwrapping in. */
export function unwrapOrder(copies: BackupCopy[]): BackupCopy[] {
  const newest = (a: BackupCopy, b: BackupCopy) => b.addedAt.localeCompare(a.addedAt);
  return [...copies.filter(isLive).sort(newest), ...copies.filter((c) => !isLive(c)).sort((a, b) => b.retainUntil!.localeCompare(a.retainUntil!))];
}

export function assertBackupKeySet(keys: BackupKeySet): void {
  for (const { owner, copies } of ownersOf(keys)) {
    if (!Array.isArray(copies) || copies.length === 0) throw new Error(`Backup key ${owner} has no wrapped copy`);
    copies.forEach(assertWrappedCopy);
    if (new Set(copies.map((c) => c.keyId)).size !== copies.length) throw new Error(`Backup key ${owner} has two copies under one key version`);
    if (!copies.some(isLive)) throw new Error(`Backup key ${owner} has no live copy`);
  }
}

/**
 * The key set after following a key change: every owner gets `added[owner]` (a copy under the
 * new key version) unless it already has a live copy under that version; the live copies it
 * supersedes are kept until the retention date when they are under a customer key, dropped
 * otherwise; retained copies past their date are dropped. Pure and idempotent: applying it again
 * (a rerun, a retry after a concurrent manifest write) changes nothing more, and never extends a
 * retention date already set.
 */
export function followKey(
  keys: BackupKeySet,
  added: ReadonlyMap<KeyOwner, WrappedCopy>,
  target: { keyId: string; source: KeySource },
  reason: RetirementReason,
  now: Date,
): BackupKeySet {
  const at = now.toISOString();
  const follow = (owner: KeyOwner, copies: BackupCopy[]): BackupCopy[] => {
    const has = copies.some((c) => c.keyId === target.keyId);
    const fresh = added.get(owner);
    if (!has && !fresh) throw new Error(`No copy under ${target.keyId} was made for backup key ${owner}`);
    const next: BackupCopy[] = [];
    for (const c of copies) {
      if (c.keyId === target.keyId) next.push(isLive(c) ? c : { ...stripRetention(c), addedAt: at });
      else if (!isLive(c)) { if (c.retainUntil! > at) next.push(c); }
      else if (c.source.kind === "CustomerManaged") {
        // A rotation within the same policy keeps the old version for 28 days; leaving a customer
        // key (removal, change of key) keeps it for 30.
        const why: RetirementReason = reason === "Rotation" && sameKeySource(c.source, target.source) ? "Rotation" : "Removal";
        next.push({ ...c, retainUntil: retainedUntil(why, now), retainReason: why });
      }
      // A live copy under the platform's key (or the legacy BYOK key) is dropped once a customer
      // key protects the backup; when the target is the platform key itself it was matched above.
    }
    if (!has) next.push({ ...fresh!, addedAt: at });
    return next;
  };
  return {
    deks: keys.deks.map((d) => ({ dekId: d.dekId, wrapped: follow(d.dekId, d.wrapped) })),
    indexKey: { wrapped: follow(INDEX_OWNER, keys.indexKey.wrapped) },
  };
}

/** Drops retained copies past their date (never the last copy of a key). */
export function pruneRetained(keys: BackupKeySet, now: Date): BackupKeySet {
  const at = now.toISOString();
  const prune = (copies: BackupCopy[]) => {
    const left = copies.filter((c) => isLive(c) || c.retainUntil! > at);
    return left.length > 0 ? left : copies;
  };
  return { deks: keys.deks.map((d) => ({ dekId: d.dekId, wrapped: prune(d.wrapped) })), indexKey: { wrapped: prune(keys.indexKey.wrapped) } };
}

function stripRetention(c: BackupCopy): BackupCopy {
  const { retainUntil: _u, retainReason: _r, ...rest } = c;
  return rest;
}
