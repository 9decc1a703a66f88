// Backups follow their environment's key. When the environment moves to another key (added to a
// policy, removed, changed) or its key gets a new version (rotation), each of its backups gets a
// copy of every DEK and of the index key wrapped under the new key version; the copies that
// version supersedes are kept while the reference's rules say (manifest.followKey), and the
// key version ledger records which versions the environment's key ring left behind and when.
// Rerunnable: a backup that already has a copy under the version is not re-wrapped.
import type { KeyWrapper } from "../crypto/keyWrapper";
import { sameKeySource, type KeySource, type WrappedCopy } from "../crypto/keyRing";
import { wrapVerified } from "../crypto/wrapping";
import type { BackupContext } from "./context";
import { backupKeys } from "./backupKeys";
import { followKey, isLive, ownersOf, pruneRetained, type KeyOwner } from "./manifest";
import type { RetirementReason } from "./retention";
import { needs } from "../errors";

export interface FollowResult {
  backups: number;
  /** Wrapped copies made. */
  rewrapped: number;
}

export async function followKeyChange(
  bc: BackupContext, environmentId: string, wrapper: KeyWrapper, keyId: string, source: KeySource, reason: RetirementReason,
): Promise<FollowResult> {
  const result: FollowResult = { backups: 0, rewrapped: 0 };
  for (const listed of await bc.store.listManifests(environmentId)) {
    const keys = backupKeys(listed, bc.wrapperFor);
    const added = new Map<KeyOwner, WrappedCopy>();
    for (const { owner, copies } of ownersOf(listed.keys)) {
      if (copies.some((c) => c.keyId === keyId && isLive(c))) continue;
      const copy = await wrapVerified(wrapper, await keys.secretOf(owner), source);
      needs(copy.keyId === keyId, `wrapping uses the version the caller named (a rotation re-wraps under exactly it): key ${wrapper.keyName} wrapped with ${copy.keyId}, not ${keyId}`);
      added.set(owner, copy);
    }
    const now = new Date();
    await bc.store.updateManifest(environmentId, listed.backupId, (m) => {
      const next = pruneRetained(followKey(m.keys, added, { keyId, source }, reason, now), now);
      return JSON.stringify(next) === JSON.stringify(m.keys) ? undefined : { ...m, keys: next };
    });
    result.backups++;
    result.rewrapped += added.size;
  }
  return result;
}

/** Versioned key ids the environment's key ring holds copies under now (before a change, to compare after). */
export async function ringKeyIds(bc: BackupContext, environmentId: string): Promise<Map<string, KeySource>> {
  const ring = await bc.data.rings.read(environmentId);
  const ids = new Map<string, KeySource>();
  if (!ring) return ids;
  for (const c of [...ring.deks.flatMap((d) => d.wrapped), ...ring.indexKey.wrapped]) ids.set(c.keyId, c.source);
  return ids;
}

/** Records, for the ledger, the customer key versions in `before` that the ring no longer holds. */
export async function recordRetiredVersions(bc: BackupContext, environmentId: string, before: Map<string, KeySource>, reason: RetirementReason): Promise<string[]> {
  const now = await ringKeyIds(bc, environmentId);
  const retired = [...before].filter(([keyId, source]) => source.kind === "CustomerManaged" && !now.has(keyId)).map(([keyId]) => keyId);
  await bc.ledger.record(retired, environmentId, reason);
  return retired;
}

/**
 * The versions a re-key towards `target` will leave behind when it finishes: the ring's copies
 * under customer keys other than the target's. Recorded when the backups step runs (just before
 * the re-key retires them), as finishRekey drops them without a trace.
 */
export async function recordLeavingVersions(bc: BackupContext, environmentId: string, target: KeySource): Promise<string[]> {
  const leaving = [...(await ringKeyIds(bc, environmentId))].filter(([, source]) => source.kind === "CustomerManaged" && !sameKeySource(source, target)).map(([keyId]) => keyId);
  await bc.ledger.record(leaving, environmentId, "Removal");
  return leaving;
}
