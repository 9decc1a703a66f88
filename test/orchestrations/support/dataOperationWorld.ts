// Stub activities for the environment data operations (backup, restore, copy, reset) over a small
// scripted environment: per store, per bucket, the items each page moves. Like rekeyWorld.ts,
// every stub answers from its input alone (the page comes from the continuation).
import type { DataOperationInput, DataStore, TransferSource } from "../../../shared/dataOperations/contracts";
import type { ActivityStubs } from "./activityStubs";
import { TEST_RETRY } from "./rekeyWorld";

export interface DataWorld {
  /** Per store, per bucket (the array index): the items each page moves. */
  pages: Record<DataStore, number[][]>;
  /** What prepareTransfer counts for progress (every item unless given; null: it leaves the count to the flow, as for a live source). */
  items?: number | null;
}

/** The data id prepareTransfer builds the fresh generation under. */
export const FRESH_DATA_ID = "data-fresh";

/**
 * 2 buckets; records: bucket 0 takes two pages (3, then 2), bucket 1 one (1); files: 2 and an
 * empty bucket. 6 records and 2 files.
 */
export const DEFAULT_DATA_WORLD: DataWorld = { pages: { records: [[3, 2], [1]], files: [[2], [0]] } };

export const itemsOf = (world: DataWorld) => Object.values(world.pages).flat(2).reduce((n, x) => n + x, 0);

export const backupSource: TransferSource = { kind: "backup", environmentId: "env-1", dataId: "data-1", backupId: "b-7" };
export const environmentSource: TransferSource = { kind: "environment", environmentId: "env-src", dataId: "data-src" };

export function dataInput(kind: DataOperationInput["kind"], overrides: Partial<DataOperationInput> = {}): DataOperationInput {
  return {
    operationId: `op-${kind.toLowerCase()}`, kind, tenantId: "tenant-1",
    environmentId: kind === "Copy" ? "env-target" : "env-1", dataId: kind === "Copy" ? "data-target" : "data-1",
    ...(kind === "Backup" ? { backupId: "b-1" } : {}),
    ...(kind === "Restore" ? { source: backupSource } : kind === "Copy" ? { source: environmentSource } : {}),
    ...(kind === "Reset" ? { settleSeconds: 45 } : {}),
    retry: TEST_RETRY, pageSize: 50, parallelism: 2, ...overrides,
  };
}

const pageOf = (continuation: string | undefined) => (continuation ? Number(continuation.split("@")[1]) : 0);

function page(world: DataWorld, store: DataStore, bucket: number, continuation: string | undefined) {
  const pages = world.pages[store][bucket];
  if (!pages) throw new Error(`no bucket ${bucket} in ${store}`);
  const n = pageOf(continuation);
  const done = n + 1 >= pages.length;
  return { done, ...(done ? {} : { continuation: `${bucket}@${n + 1}` }), items: pages[n] };
}

export function dataStubs(world: DataWorld = DEFAULT_DATA_WORLD): ActivityStubs {
  const buckets = world.pages.records.length;
  return {
    recordOperation: () => undefined,
    releaseEnvironment: () => undefined,
    beginBackup: (i) => ({ buckets, backupsDataId: i.dataId }),
    // A records page writes one segment of its bucket; files have none.
    backupPartition: (i) => ({ ...page(world, i.store, i.bucket, i.continuation), segment: i.store === "records" ? i.segment + 1 : 0 }),
    completeBackup: () => undefined,
    prepareTransfer: () => ({
      outcome: "ok", buckets, freshDataId: FRESH_DATA_ID,
      ...(world.items === null ? { sourceDekId: "dek-src" } : { items: world.items ?? itemsOf(world) }),
    }),
    // Sizing a live source: one call per partition counts what its pages would move.
    countPartition: (i) => ({ outcome: "ok", done: true, scanned: world.pages[i.store][Number(i.partition)].reduce((n, x) => n + x, 0), offTarget: 0 }),
    transferPartition: (i) => ({ outcome: "ok", ...page(world, i.store, i.bucket, i.continuation) }),
    // Restore and copy switch to the fresh generation and retire the one they left.
    switchGeneration: (i) => ({ outcome: "ok", retired: [i.dataId] }),
    // Reset switches to a fresh generation and retires the old one; its deletion (one page here) finds 3 backups.
    eraseEnvironmentData: (i) => ({ outcome: "ok", keyId: "https://platform.vault.azure.net/keys/platform/v7", backupsDeleted: 0, retired: [i.dataId] }),
    deleteRetiredData: () => ({ outcome: "ok", done: true, backupsDeleted: 3 }),
  };
}
