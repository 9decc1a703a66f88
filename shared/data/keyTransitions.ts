// The key ring steps of the key operations that need a vault key and the data together:
//   prepareTargetDek  add to policy / remove from policy / BYOK migration, first step
//   finishRekey       the same operations, last step (after every partition is re-encrypted)
//   rewrap            new key version: re-wrap, data untouched
// Each is rerunnable: a rerun after a failure finds what is done and does the rest. The vault
// work (wrapping) happens outside the ring update, whose mutator only decides from the ring it is
// given, so a retried update never repeats a vault call.
import type { KeyWrapper } from "../crypto/keyWrapper";
import { activeLineage, addActiveDek, addWrappedCopy, copiesOf, dropWrappedCopies, findDek, hasCopies, isVersionedKeyId, needsKeySource, retireDek, sameKeySource, type CopyOwner, type KeyRing, type KeySource, type WrappedCopy } from "../crypto/keyRing";
import { generateWrappedDek, wrapVerified } from "../crypto/wrapping";
import { conflict, needs } from "../errors";
import type { DataContext } from "./context";
import type { RingKeys } from "./dekResolver";
import { createDekCounts, settleBeforeProof, sumOf, type CountedStore } from "./dekCounts";
import { assertEnvironmentId } from "./validation";

export type FinishRekeyResult =
  | { outcome: "ok"; retiredDekIds: string[]; keyId: string }
  /**
   * Items are still under DEKs other than the target, counted per store (never per DEK id: the
   * count reaches the admin's message): re-encrypt them, then finish again.
   */
  | { outcome: "DataRemaining"; remaining: Partial<Record<CountedStore, number>> }
  /** More items than one call counts: prove it partition by partition (dekCounts), then finish with `proven`. */
  | { outcome: "ProofPaged" };

export interface FinishRekeyOptions {
  /**
   * Items this call counts at most, per store, to prove nothing is under another DEK (default: no
   * bound, for tests and tools on small environments). Past it: ProofPaged, nothing retired.
   */
  maxItems?: number;
  /**
   * The proof was made partition by partition (every partition of each store counted, after
   * PROOF_SETTLE_MS, none off the target's lineage): the partitions counted per store. This call
   * then counts nothing itself.
   */
  proven?: Record<CountedStore, number>;
  /**
   * The caller guarantees no write can be in flight (a tool's setup on an environment nobody
   * uses): the count does not wait for the switch to settle (PROOF_SETTLE_MS).
   */
  noWriters?: boolean;
}

export interface KeyTransitions {
  /**
   * Makes a DEK wrapped under `wrapper` (a key of `source`) the active DEK, and gives the index
   * key a copy under it. When the active DEK is already under `source` (a rerun), it is kept.
   */
  prepareTargetDek(environmentId: string, wrapper: KeyWrapper, source: KeySource): Promise<{ dekId: string; keyId: string; created: boolean }>;
  /**
   * Retires every other DEK once no item uses it, and drops the wrapped copies under keys the
   * active DEK is not under, so the old key is no longer needed.
   */
  finishRekey(environmentId: string, targetDekId: string, options?: FinishRekeyOptions): Promise<FinishRekeyResult>;
  /**
   * Re-wraps every live DEK and the index key that are under `source` with the version `wrapper`
   * wraps with, then drops their copies under other versions of that source. Data is untouched.
   * `keyId` (the versioned id `wrapper` wraps with) makes it resumable: owners that already have a
   * copy under it are skipped, and a failed call keeps the copies it made before failing.
   */
  rewrap(environmentId: string, wrapper: KeyWrapper, source: KeySource, keyId?: string): Promise<{ rewrapped: number; keyId?: string }>;
  /** Whether the environment's data can only be read through `source` (see needsKeySource). */
  needsSource(environmentId: string, source: KeySource): Promise<boolean>;
}

const underSource = (copies: WrappedCopy[], source: KeySource) => copies.find((c) => sameKeySource(c.source, source));

/** Adds `copy` to `owner` unless the ring already has it (or the owner retired meanwhile). */
function withCopy(ring: KeyRing, owner: CopyOwner, copy: WrappedCopy): KeyRing {
  if (owner !== "indexKey" && !["active", "retiring"].includes(findDek(ring, owner.dekId)?.state ?? "")) return ring;
  return copiesOf(ring, owner).some((c) => c.keyId === copy.keyId) ? ring : addWrappedCopy(ring, owner, copy);
}

async function secretOf(keys: RingKeys, owner: CopyOwner): Promise<Uint8Array> {
  return owner === "indexKey" ? keys.indexKey() : (await keys.dekFor(owner.dekId)).key;
}

export function createKeyTransitions(ctx: DataContext): KeyTransitions {
  const counts = createDekCounts(ctx);

  async function prepareTargetDek(environmentId: string, wrapper: KeyWrapper, source: KeySource) {
    assertEnvironmentId(environmentId);
    const keys = await ctx.keys.keysFor(environmentId);
    // The index key first: storage keys must stay computable under the target key alone.
    if (!underSource(keys.ring.indexKey.wrapped, source)) {
      const copy = await wrapVerified(wrapper, await keys.indexKey(), source);
      await ctx.rings.update(environmentId, (r) => (underSource(r.indexKey.wrapped, source) ? r : addWrappedCopy(r, "indexKey", copy)));
    }
    const active = findDek(keys.ring, keys.ring.activeDekId)!;
    const existing = underSource(active.wrapped, source);
    if (existing) return { dekId: active.dekId, keyId: existing.keyId, created: false };
    const dek = await generateWrappedDek(wrapper, source);
    const ring = await ctx.rings.update(environmentId, (r) =>
      // A concurrent run got there first: keep its DEK rather than start another.
      underSource(findDek(r, r.activeDekId)!.wrapped, source) ? r : addActiveDek(r, { dekId: dek.dekId, copy: dek.copy, now: new Date() }),
    );
    const now = findDek(ring, ring.activeDekId)!;
    const copy = underSource(now.wrapped, source);
    needs(copy, `the active DEK of ${environmentId} is under the target key source`);
    return { dekId: now.dekId, keyId: copy.keyId, created: now.dekId === dek.dekId };
  }

  async function finishRekey(environmentId: string, targetDekId: string, options: FinishRekeyOptions = {}): Promise<FinishRekeyResult> {
    assertEnvironmentId(environmentId);
    const before = await ctx.rings.read(environmentId);
    // The target, or a DEK it was rolled over to at its encryption limit (activeLineage): data
    // under any of them is where the operation wanted it.
    if (!before || !activeLineage(before).includes(targetDekId)) {
      throw conflict("TargetDekNotActive", `DEK ${targetDekId} is not the active DEK of environment ${environmentId}.`, "targetDekId");
    }
    // Precondition of retiring: nothing is under any other DEK. New writes only use the active
    // DEK, so a zero count made once the switch has settled (PROOF_SETTLE_MS) stays zero.
    if (options.proven) {
      // Counted partition by partition by the caller: it must have covered every partition.
      for (const store of ["records", "files"] as const) {
        needs(options.proven[store] === before.buckets, `the proof counted every partition of ${store} of ${environmentId} (${options.proven[store]} of ${before.buckets})`);
      }
    } else {
      if (!options.noWriters) await settleBeforeProof(before, targetDekId);
      const remaining: Partial<Record<CountedStore, number>> = {};
      for (const store of ["records", "files"] as const) {
        // offTarget counts only DEKs outside the target's lineage (the count's own ring read).
        const counted = await counts.count({ environmentId, store, targetDekId, maxItems: options.maxItems ?? Number.MAX_SAFE_INTEGER });
        if (counted.continuation) return { outcome: "ProofPaged" };
        const off = sumOf(counted.offTarget);
        if (off > 0) remaining[store] = off;
      }
      if (Object.keys(remaining).length > 0) return { outcome: "DataRemaining", remaining };
    }

    let retiredDekIds: string[] = [];
    const ring = await ctx.rings.update(environmentId, (r) => {
      const live = activeLineage(r);
      if (!live.includes(targetDekId)) throw conflict("TargetDekNotActive", `DEK ${targetDekId} stopped being the active DEK of environment ${environmentId}.`, "targetDekId");
      // Rolled-over DEKs of the target keep their data (and their copies, under the same keys).
      const retiring = r.deks.filter((d) => d.state === "retiring" && !live.includes(d.dekId)).map((d) => d.dekId);
      let next = retiring.reduce((acc, dekId) => retireDek(acc, dekId, new Date()), r);
      const targetSources = findDek(next, next.activeDekId)!.wrapped.map((c) => c.source);
      const stale = new Set(next.indexKey.wrapped.filter((c) => !targetSources.some((s) => sameKeySource(s, c.source))).map((c) => c.keyId));
      for (const keyId of stale) if (hasCopies(next, { keyId })) next = dropWrappedCopies(next, { keyId });
      retiredDekIds = retiring;
      return next === r ? r : next;
    });
    return { outcome: "ok", retiredDekIds, keyId: findDek(ring, ring.activeDekId)!.wrapped[0].keyId };
  }

  async function rewrap(environmentId: string, wrapper: KeyWrapper, source: KeySource, keyId?: string) {
    assertEnvironmentId(environmentId);
    needs(keyId === undefined || isVersionedKeyId(keyId), `a re-wrap names a versioned key id (${keyId} has no version)`);
    const keys = await ctx.keys.keysFor(environmentId);
    const underIt = [
      ...keys.ring.deks.filter((d) => d.state !== "retired" && underSource(d.wrapped, source)).map((d): CopyOwner => ({ dekId: d.dekId })),
      ...(underSource(keys.ring.indexKey.wrapped, source) ? ["indexKey" as const] : []),
    ];
    if (underIt.length === 0) return { rewrapped: 0 };
    // A rerun (after the vault throttled the last attempt, say) skips what that attempt kept.
    const owners = keyId === undefined ? underIt : underIt.filter((o) => !copiesOf(keys.ring, o).some((c) => c.keyId === keyId));
    const copies: [CopyOwner, WrappedCopy][] = [];
    try {
      for (const owner of owners) copies.push([owner, await wrapVerified(wrapper, await secretOf(keys, owner), source)]);
    } catch (err) {
      // Keep the copies this attempt paid vault calls for: adding a copy is always safe (the old
      // ones stay until every owner has a new one), and a throttled vault must not be asked twice.
      if (copies.length > 0) await ctx.rings.update(environmentId, (r) => copies.reduce((next, [owner, copy]) => withCopy(next, owner, copy), r));
      throw err;
    }
    const target = keyId ?? copies[0]?.[1].keyId;
    if (target === undefined) return { rewrapped: 0 };
    needs(copies.every(([, c]) => c.keyId === target), `one re-wrap uses one key version: key ${wrapper.keyName} wrapped with ${copies.map(([, c]) => c.keyId).join(", ")}, not ${target} alone`);

    let rewrapped = 0;
    await ctx.rings.update(environmentId, (r) => {
      let next = r;
      rewrapped = 0;
      for (const [owner, copy] of copies) {
        const added = withCopy(next, owner, copy);
        if (added !== next) rewrapped++;
        next = added;
      }
      const old = new Set([...next.deks.flatMap((d) => d.wrapped), ...next.indexKey.wrapped].filter((c) => sameKeySource(c.source, source) && c.keyId !== target).map((c) => c.keyId));
      for (const oldKeyId of old) next = dropWrappedCopies(next, { keyId: oldKeyId });
      return next;
    });
    // The copies this call added: a resumed call does not count those an earlier attempt kept.
    return { rewrapped, keyId: target };
  }

  async function needsSource(environmentId: string, source: KeySource) {
    assertEnvironmentId(environmentId);
    const ring = await ctx.rings.read(environmentId);
    return !!ring && needsKeySource(ring, source);
  }

  return { prepareTargetDek, finishRekey, rewrap, needsSource };
}
