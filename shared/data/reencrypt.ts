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
import { assertEnvironmentId, MAX_PAGE_SIZE } from "./validation";

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
  dekUsage(environmentId: string): Promise<DekUsage>;
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

export function createReencryption(ctx: DataContext): Reencryption {

  const dekUsage = async (environmentId: string): Promise<DekUsage> => {
    assertEnvironmentId(environmentId);
    const [records, files] = await Promise.all([ctx.records.countByDek(environmentId), ctx.files.countByDek(environmentId)]);
    return { records: Object.fromEntries(records), files: Object.fromEntries(files) };
  };

  return {
    async reencryptRecordPartition(run) {
      const { keys, target } = await prepare(ctx, run);
      const page = await ctx.records.scanPartition(run.environmentId, run.bucket, run.maxItems, run.continuation);
      // One bucket per page: its rows are written in Table transactions (ETag-conditioned).
      const outcomes = await ctx.records.rewriteBatch(keys, page.rows, target, PARALLEL_ITEMS);
      return tally(outcomes, page.continuation);
    },

    async reencryptFilePartition(run) {
      const { keys, target } = await prepare(ctx, run);
      const page = await ctx.files.scanPartition(run.environmentId, run.bucket, run.maxItems, run.continuation);
      const outcomes = await mapLimit(page.blobs, PARALLEL_ITEMS, (blob) => ctx.files.rewrite(keys, blob, target));
      return tally(outcomes, page.continuation);
    },

    async partitions(environmentId) {
      assertEnvironmentId(environmentId);
      const { ring } = await ctx.keys.keysFor(environmentId);
      return Array.from({ length: ring.buckets }, (_, i) => i);
    },

    dekUsage,

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
