// Counting a store's items by DEK a bounded number at a time, partition by partition: sizing a
// re-key (for its progress) and proving that nothing is left under a DEK about to be retired.
// No call reads more than `maxItems` items (and starts no page after COUNT_MAX_MS), so an
// environment of any size is counted in calls of a bounded cost, each ending with the listing's
// continuation where the next one resumes. A partition or the whole store (one listing, fewer
// calls than partitions when it is small). Reads only DEK ids: the `dek`
// column of record rows, the metadata of file blobs. Reads the ring once per call, never a key.
import { activeLineage, findDek, type KeyRing } from "../crypto/keyRing";
import { invalid, needs, notFound } from "../errors";
import type { DataContext } from "./context";
import { assertEnvironmentId, MAX_PAGE_SIZE } from "./validation";

export type CountedStore = "records" | "files";

export interface CountRun {
  environmentId: string;
  store: CountedStore;
  /** Items under this DEK, or one it was rolled over to (its lineage), are on target. */
  targetDekId: string;
  /** One partition (a partition worker's count); absent, the whole store in its listing order. */
  partition?: number;
  /** Where the previous call on the same partition (or store) stopped. */
  continuation?: string;
  /** Items read in this call at most (a page is never larger than MAX_PAGE_SIZE). */
  maxItems: number;
  /** A proof: wait until writes that chose the previous DEK have landed (see PROOF_SETTLE_MS). */
  proof?: boolean;
}

export interface CountResult {
  /** Items read in this call. */
  items: number;
  /** Of them, under a DEK outside the target's lineage, per DEK id. */
  offTarget: Record<string, number>;
  /** Where the next call resumes; absent when the partition (or the store) is counted. */
  continuation?: string;
}

/** A call starts no page after this long (a slow listing must not outlive functionTimeout). */
export const COUNT_MAX_MS = 60_000;

/**
 * How long after the target DEK became active a proof may count. A write chooses its DEK from a
 * ring read at most KEYWARD_DATA_WRITE_RING_CACHE_MS ago (DekResolver.keysForWrite, at most
 * 500 ms), so a write that started up to that long after the switch, and is still in flight, can
 * land under the previous DEK; the environment state an instance caches
 * (KEYWARD_DATA_STATE_CACHE_MS, at most 1.5 s) can let such a request through the gate that late.
 * The settle outlasts both bounds together with a margin for the write's own flight. A count made
 * after it stays right: every later write is under the target's lineage, and re-encryption only
 * ever writes under it too.
 */
export const PROOF_SETTLE_MS = 2_500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const sumOf = (counts: Record<string, number>): number => Object.values(counts).reduce((n, c) => n + c, 0);

/** Waits, if need be, until the target has been active PROOF_SETTLE_MS. */
export async function settleBeforeProof(ring: KeyRing, targetDekId: string, now: () => number = Date.now): Promise<void> {
  const target = findDek(ring, targetDekId);
  needs(target, `the proof's target DEK is in the ring of ${ring.environmentId}`);
  const wait = Date.parse(target.createdAt) + PROOF_SETTLE_MS - now();
  if (wait > 0) await sleep(Math.min(wait, PROOF_SETTLE_MS));
}

export interface DekCounts {
  count(run: CountRun): Promise<CountResult>;
}

export function createDekCounts(ctx: DataContext): DekCounts {
  const pageOf = (store: CountedStore, environmentId: string, bucket: number | undefined, maxItems: number, continuation?: string) =>
    store === "records" ? ctx.records.dekIdsPage(environmentId, bucket, maxItems, continuation) : ctx.files.dekIdsPage(environmentId, bucket, maxItems, continuation);

  return {
    async count(run) {
      assertEnvironmentId(run.environmentId);
      if (!Number.isInteger(run.maxItems) || run.maxItems < 1) throw invalid("InvalidPageSize", "maxItems must be a whole number, 1 or more.", "maxItems");
      const ring = await ctx.rings.read(run.environmentId);
      if (!ring) throw notFound("KeyRingNotFound", `Environment ${run.environmentId} has no key ring.`);
      if (run.partition !== undefined && (!Number.isInteger(run.partition) || run.partition < 0 || run.partition >= ring.buckets)) {
        throw invalid("InvalidPartition", `Environment ${run.environmentId} has partitions 0 to ${ring.buckets - 1}.`, "partition");
      }
      if (run.proof) await settleBeforeProof(ring, run.targetDekId);
      const lineage = new Set(activeLineage(ring).includes(run.targetDekId) ? activeLineage(ring) : [run.targetDekId]);
      const deadline = Date.now() + COUNT_MAX_MS;
      const offTarget: Record<string, number> = {};
      let items = 0;
      let continuation = run.continuation;
      do {
        const page = await pageOf(run.store, run.environmentId, run.partition, Math.min(MAX_PAGE_SIZE, run.maxItems - items), continuation);
        items += page.dekIds.length;
        for (const dekId of page.dekIds) if (!lineage.has(dekId)) offTarget[dekId] = (offTarget[dekId] ?? 0) + 1;
        continuation = page.continuation;
      } while (continuation && items < run.maxItems && Date.now() < deadline);
      return { items, offTarget, ...(continuation ? { continuation } : {}) };
    },
  };
}
