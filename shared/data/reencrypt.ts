// The primitives re-encryption activities reuse. Each call handles one page of one partition
// (bucket) and returns a continuation to checkpoint, so a large partition is done in bounded
// steps and a rerun after a failure redoes at most one page. Items already under the target DEK
// are skipped, so a rerun rewrites nothing twice. Data is only ever moved onto the ring's active
// DEK: user writes made meanwhile go under that DEK too, so they never need redoing.
import type { Dek } from "../crypto/dek";
import { activeLineage } from "../crypto/keyRing";
import { invalid, conflict } from "../errors";
import { mapLimit } from "./concurrency";
import type { DataContext } from "./context";
import type { RingKeys } from "./dekResolver";
import { createDekCounts, type CountResult, type CountRun } from "./dekCounts";
import type { RecordRow } from "./recordStore";
import { assertEnvironmentId, MAX_PAGE_SIZE, MAX_RECORD_VALUE_BYTES } from "./validation";

export interface PartitionRun {
  environmentId: string;
  /** 0 .. ring.buckets - 1 */
  bucket: number;
  /** Must be the ring's active DEK. */
  targetDekId: string;
  /** From the previous call on this partition; absent to start at its beginning. */
  continuation?: string;
  /** Items looked at in this call, 1..1000. */
  maxItems: number;
  /** Bytes moved in this call before it stops (at least one item). Default FILE_PAGE_MAX_BYTES, RECORD_PAGE_MAX_BYTES. */
  maxBytes?: number;
  /** Milliseconds after which this call starts no more items (it always does some). Default FILE_PAGE_MAX_MS, RECORD_PAGE_MAX_MS. */
  maxMs?: number;
}

/**
 * A file page is bounded by bytes and time as well as by items: 1,000 files of 64 MiB in one call
 * would outlive the host's functionTimeout. A file larger than the bound is a call of its own.
 */
export const FILE_PAGE_MAX_BYTES = 64 * 1024 * 1024;
export const FILE_PAGE_MAX_MS = 60_000;

/**
 * A record page too: a record's envelope is inline (up to 64 KiB) or spilled to a blob of up to
 * 4 MiB, so 1,000 rows could be 4 GiB to download and re-seal in one call. Spilled rows count at
 * their largest (the row does not say the blob's size), and rows go in chunks of one Table
 * transaction with the time bound checked between them.
 */
export const RECORD_PAGE_MAX_BYTES = 64 * 1024 * 1024;
export const RECORD_PAGE_MAX_MS = 60_000;
const RECORD_CHUNK = 100;
/** What re-sealing a row may cost in bytes: its inline envelope, or a spilled one at the largest a record allows. */
const rowBytes = (row: RecordRow): number => (row.e?.length ?? (row.b ? MAX_RECORD_VALUE_BYTES + 1024 : 0)) + 1024;

/**
 * The continuation of a page cut short: the listing page's own token and the last item done in
 * it. Named by the item (a file's name, a row's key), not counted, so an item deleted or added
 * meanwhile shifts nothing (listings are in that order; items added meanwhile are under the
 * active DEK already).
 */
const CUT = "cut1:";
function cutContinuation(listing: string | undefined, lastDone: string): string {
  return `${CUT}${Buffer.from(JSON.stringify({ listing: listing ?? null, after: lastDone })).toString("base64url")}`;
}
function parseCutContinuation(continuation: string | undefined): { listing?: string; after?: string } {
  if (!continuation?.startsWith(CUT)) return { listing: continuation };
  const { listing, after } = JSON.parse(Buffer.from(continuation.slice(CUT.length), "base64url").toString("utf8")) as { listing: string | null; after: string };
  return { ...(listing ? { listing } : {}), after };
}

export interface PartitionResult {
  scanned: number;
  rewritten: number;
  skipped: number;
  /** Present while the partition has more items; absent when it is done. */
  continuation?: string;
}

/** Per store, how many items are under each DEK id. */
export interface DekUsage {
  records: Record<string, number>;
  files: Record<string, number>;
}

export interface Reencryption {
  reencryptRecordPartition(run: PartitionRun): Promise<PartitionResult>;
  reencryptFilePartition(run: PartitionRun): Promise<PartitionResult>;
  /** The partitions of an environment: 0 .. buckets - 1. */
  partitions(environmentId: string): Promise<number[]>;
  /** A whole-environment scan, for tests and tools: an operation counts with countDeks. */
  dekUsage(environmentId: string): Promise<DekUsage>;
  /** A bounded run of a store counted by DEK, resumable from its cursor (dekCounts). */
  countDeks(run: CountRun): Promise<CountResult>;
  /** Records and files still under `dekId`; 0 is the proof that the DEK may be retired. */
  countUnderDek(environmentId: string, dekId: string): Promise<number>;
  /** Deletes every record and file of the environment (not its key ring); rerunnable. */
  deleteAllData(environmentId: string): Promise<void>;
}

/** Items re-encrypted at once within a page. */
const PARALLEL_ITEMS = 8;

async function prepare(ctx: DataContext, run: PartitionRun): Promise<{ keys: RingKeys; target: Dek }> {
  assertEnvironmentId(run.environmentId);
  const keys = await ctx.keys.keysFor(run.environmentId);
  // Preconditions: a partition of this environment, a bounded page, and the active DEK as target
  // (moving data onto any other DEK would race with user writes, which use the active one).
  if (!Number.isInteger(run.bucket) || run.bucket < 0 || run.bucket >= keys.ring.buckets) {
    throw invalid("InvalidPartition", `Environment ${run.environmentId} has partitions 0 to ${keys.ring.buckets - 1}.`, "bucket");
  }
  if (!Number.isInteger(run.maxItems) || run.maxItems < 1 || run.maxItems > MAX_PAGE_SIZE) {
    throw invalid("InvalidPageSize", `maxItems must be a whole number from 1 to ${MAX_PAGE_SIZE}.`, "maxItems");
  }
  // The target may have been rolled over at its encryption limit since the operation began: its
  // successor is the target then (same key versions), and the page's encryptions are counted.
  if (!activeLineage(keys.ring).includes(run.targetDekId)) {
    throw conflict("TargetDekNotActive", `DEK ${run.targetDekId} is not the active DEK of environment ${run.environmentId} (${keys.ring.activeDekId} is).`, "targetDekId");
  }
  return { keys, target: await keys.sealingDek(run.maxItems) };
}

function tally(outcomes: ("rewritten" | "skipped")[], continuation: string | undefined): PartitionResult {
  const rewritten = outcomes.filter((o) => o === "rewritten").length;
  return { scanned: outcomes.length, rewritten, skipped: outcomes.length - rewritten, ...(continuation ? { continuation } : {}) };
}

/**
 * Works through a listing page's items in groups of at most `groupSize` that fit the byte bound
 * (the call's first item always goes, so every call makes progress), starting no group past the
 * time bound. Cut short, the continuation names the last item done; else it is the listing's.
 */
async function boundedPage<T>(
  todo: readonly T[], bound: { groupSize: number; maxBytes: number; maxMs: number; sizeOf: (item: T) => number; nameOf: (item: T) => string },
  page: { listing?: string; continuation?: string }, work: (group: T[]) => Promise<("rewritten" | "skipped")[]>,
): Promise<PartitionResult> {
  const deadline = Date.now() + bound.maxMs;
  const outcomes: ("rewritten" | "skipped")[] = [];
  let bytes = 0;
  let next = 0;
  while (next < todo.length && (next === 0 || Date.now() < deadline)) {
    const group: T[] = [];
    while (next < todo.length && group.length < bound.groupSize && (next === 0 || bytes + bound.sizeOf(todo[next]) <= bound.maxBytes)) {
      bytes += bound.sizeOf(todo[next]);
      group.push(todo[next++]);
    }
    if (group.length === 0) break;
    outcomes.push(...await work(group));
  }
  return tally(outcomes, next < todo.length ? cutContinuation(page.listing, bound.nameOf(todo[next - 1])) : page.continuation);
}

export function createReencryption(ctx: DataContext): Reencryption {
  const counts = createDekCounts(ctx);

  const dekUsage = async (environmentId: string): Promise<DekUsage> => {
    assertEnvironmentId(environmentId);
    const [records, files] = await Promise.all([ctx.records.countByDek(environmentId), ctx.files.countByDek(environmentId)]);
    return { records: Object.fromEntries(records), files: Object.fromEntries(files) };
  };

  return {
    async reencryptRecordPartition(run) {
      const { keys, target } = await prepare(ctx, run);
      const { listing, after } = parseCutContinuation(run.continuation);
      const page = await ctx.records.scanPartition(run.environmentId, run.bucket, run.maxItems, listing);
      const todo = after === undefined ? page.rows : page.rows.filter((r) => r.rowKey > after);
      // One bucket per page: its rows are written in Table transactions (ETag-conditioned).
      return boundedPage(todo, { groupSize: RECORD_CHUNK, maxBytes: run.maxBytes ?? RECORD_PAGE_MAX_BYTES, maxMs: run.maxMs ?? RECORD_PAGE_MAX_MS, sizeOf: rowBytes, nameOf: (r) => r.rowKey },
        { listing, continuation: page.continuation }, (chunk) => ctx.records.rewriteBatch(keys, chunk, target, PARALLEL_ITEMS));
    },

    async reencryptFilePartition(run) {
      const { keys, target } = await prepare(ctx, run);
      const { listing, after } = parseCutContinuation(run.continuation);
      const page = await ctx.files.scanPartition(run.environmentId, run.bucket, run.maxItems, listing);
      const todo = after === undefined ? page.blobs : page.blobs.filter((b) => b.name > after);
      return boundedPage(todo, { groupSize: PARALLEL_ITEMS, maxBytes: run.maxBytes ?? FILE_PAGE_MAX_BYTES, maxMs: run.maxMs ?? FILE_PAGE_MAX_MS, sizeOf: (b) => b.size, nameOf: (b) => b.name },
        { listing, continuation: page.continuation }, (group) => mapLimit(group, PARALLEL_ITEMS, (blob) => ctx.files.rewrite(keys, blob, target)));
    },

    async partitions(environmentId) {
      assertEnvironmentId(environmentId);
      const { ring } = await ctx.keys.keysFor(environmentId);
      return Array.from({ length: ring.buckets }, (_, i) => i);
    },

    dekUsage,

    countDeks: (run) => counts.count(run),

    async countUnderDek(environmentId, dekId) {
      const usage = await dekUsage(environmentId);
      return (usage.records[dekId] ?? 0) + (usage.files[dekId] ?? 0);
    },

    async deleteAllData(environmentId) {
      assertEnvironmentId(environmentId);
      await Promise.all([ctx.records.deleteAll(environmentId), ctx.files.deleteAll(environmentId)]);
    },
  };
}
