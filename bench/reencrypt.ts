// reencrypt: how fast an add-to-policy re-encrypts an environment's records, and how that
// compares with rewriting the same rows through the same storage with no crypto at all.
//
// The keyward figure is the "Re-encrypt records" step of a real add operation (orchestration,
// activities, checkpoints, progress writes included), timed by the step's own start and end
// in the operation's history. The plain baseline is the fastest rewrite of the same rows this
// storage allows with the re-encryption's shape and transactions: it reads them page by page
// (KEYWARD_REENCRYPT_PAGE_SIZE) with the same partitions in flight
// (KEYWARD_REENCRYPT_PARALLELISM) and writes each page back in place in Table transactions of
// up to 100 rows, each row an update conditioned on its ETag, as the re-encryption does. It
// runs just before and just after the add, and the two runs are averaged, so drift on a shared
// machine hits both sides alike.
//
// Why in place and not a copy to a fresh table: Azurite finds the entity an update names by
// scanning its table, so an update costs more the larger the table (measured: 8,000 rows of
// one partition updated in transactions of 100 took 10.2 s, 2,000 rows 1.07 s), while a create
// into an empty table does not pay that. The copy is still printed (vsCopyToNewTable), but a
// re-encryption can only be as fast as the updates it must make.
import { randomBytes } from "node:crypto";
import { odata } from "@azure/data-tables";
import { services } from "../shared/services";
import { storageNaming, bucketKey } from "../shared/data/naming";
import { tableClient } from "../shared/storage/clients";
import { mapLimit } from "../shared/data/concurrency";
import { round, secondsBetween } from "./support";
import type { Section } from "./section";

/** Rows per Table transaction: the service's limit, which the re-encryption batches up to. */
const TRANSACTION_ROWS = 100;

type Row = { entity: Record<string, unknown> & { partitionKey: string; rowKey: string }; etag: string };

/**
 * Reads every record row of the environment's table (by its data id) as the re-encryption does
 * (bucket by bucket, its page size, its partitions in flight) and hands each page's rows to
 * `write` in transaction-sized slices, one after the other; returns the seconds it took.
 */
async function inReencryptionShape(environmentId: string, write: (rows: Row[]) => Promise<unknown>): Promise<number> {
  const s = services().settings;
  const table = tableClient(s.storageConnectionString, storageNaming(s.statePrefix.toLowerCase()).recordTable(environmentId));
  const ring = await services().dataContext.rings.read(environmentId);
  if (!ring) throw new Error(`environment data ${environmentId} has no key ring`);
  const started = performance.now();
  await mapLimit(Array.from({ length: ring.buckets }, (_, b) => b), s.reencryptParallelism, async (bucket) => {
    const pages = table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${bucketKey(bucket)}` } })
      .byPage({ maxPageSize: s.reencryptPageSize });
    for await (const page of pages) {
      const rows = page.map((row) => {
        const { etag, timestamp: _ts, ...entity } = row as Row["entity"] & { etag: string };
        return { entity, etag };
      });
      // One bucket is one partition, so a page's rows go in transactions, as the re-encryption's.
      for (let i = 0; i < rows.length; i += TRANSACTION_ROWS) await write(rows.slice(i, i + TRANSACTION_ROWS));
    }
  });
  return (performance.now() - started) / 1000;
}

/** Rewrites every record row in place, unchanged, with the re-encryption's ETag-conditioned updates; returns seconds. */
export function plainRewrite(environmentId: string): Promise<number> {
  const s = services().settings;
  const table = tableClient(s.storageConnectionString, storageNaming(s.statePrefix.toLowerCase()).recordTable(environmentId));
  return inReencryptionShape(environmentId, (rows) => table.submitTransaction(rows.map(({ entity, etag }) => ["update", entity, "Replace", { etag }] as const)));
}

/** Copies every record row into a fresh table (creates); returns seconds. */
export async function plainCopy(environmentId: string): Promise<number> {
  const s = services().settings;
  const target = tableClient(s.storageConnectionString, `${s.statePrefix.toLowerCase()}copy${randomBytes(4).toString("hex")}`);
  await target.createTable();
  try {
    return await inReencryptionShape(environmentId, (rows) => target.submitTransaction(rows.map(({ entity }) => ["create", entity] as const)));
  } finally {
    await target.deleteTable().catch(() => undefined);
  }
}

export const reencrypt: Section = async (ctx, options) => {
  const { policy } = await ctx.customerPolicy("re");
  const env = await ctx.environment("reencrypt");
  ctx.log(`reencrypt: seeding ${options.records} records of ~${options.recordBytes} bytes`);
  const bytes = await ctx.seedRecords(env, options.records, options.recordBytes);

  const dataId = await ctx.dataIdOf(env);
  const before = await plainRewrite(dataId);
  const copyBefore = await plainCopy(dataId);
  const [operationId] = await ctx.addToPolicy(policy, [env]);
  const op = await ctx.waitForOperation(operationId);
  const after = await plainRewrite(dataId);
  const copyAfter = await plainCopy(dataId);

  const step = (op.steps as { name: string; startedAt: string; endedAt?: string }[]).find((s) => s.name === "Re-encrypt records");
  if (!step?.endedAt) throw new Error(`the add operation has no finished "Re-encrypt records" step: ${JSON.stringify(op.steps)}`);
  const seconds = secondsBetween(step.startedAt, step.endedAt);
  const plainSeconds = (before + after) / 2;
  const recordsPerSecond = options.records / seconds;
  const plainPerSecond = options.records / plainSeconds;
  const copyPerSecond = options.records / ((copyBefore + copyAfter) / 2);
  return {
    figures: {
      recordsPerSecond: { value: round(recordsPerSecond, 1), unit: "records/s re-encrypted by the add operation" },
      mbPerSecond: { value: round(bytes / 1e6 / seconds, 3), unit: "MB/s of record values (10^6 bytes)" },
      vsPlainCopy: { value: round(recordsPerSecond / plainPerSecond, 3), unit: "x the plain rewrite's throughput, same rows and transactions (1 = as fast)" },
      seconds: { value: round(seconds, 3), unit: "s in the Re-encrypt records step" },
      plainCopyRecordsPerSecond: { value: round(plainPerSecond, 1), unit: "records/s, same rows rewritten in place with no crypto" },
      vsCopyToNewTable: { value: round(recordsPerSecond / copyPerSecond, 3), unit: "x a copy of the rows into an empty table (creates, not updates)" },
    },
    notes: [`${options.records} records of ~${options.recordBytes} B; plain rewrite ${round(before, 2)} s before and ${round(after, 2)} s after the add; copy to a new table ${round(copyBefore, 2)} s and ${round(copyAfter, 2)} s`],
  };
};
