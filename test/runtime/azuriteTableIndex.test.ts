// The partition index keyward preloads into Azurite (local/azuriteTableIndex.ts) must answer
// exactly what Azurite answers without it: the same operations against a patched and an
// unpatched Azurite give the same entities, the same pages, the same refusals and the same
// rollbacks. (What it saves is a cost, so it is measured by the scale bench, not here.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { odata, TableClient, type TableEntityResult } from "@azure/data-tables";
import { startAzurite, type RunningAzurite } from "../../local/azurite";
import { pinnedPartition } from "../../local/azuriteTableIndex";

const azuriteDir = path.dirname(require.resolve("azurite/package.json"));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parse = require(`${azuriteDir}/dist/src/table/persistence/QueryInterpreter/QueryParser`).default;

describe("pinnedPartition: only a filter that requires one partition is narrowed", () => {
  it.each([
    ["PartitionKey eq 'p07'", "p07"],
    ["(PartitionKey eq 'a') and (RowKey gt 'x')", "a"],
    ["RowKey ge 'b' and PartitionKey eq 'a' and RowKey lt 'c'", "a"],
    ["'a' eq PartitionKey", "a"],
  ])("%s -> %s", (filter, expected) => {
    expect(pinnedPartition(filter, parse)).toBe(expected);
  });
  it.each([
    "PartitionKey eq 'a' or RowKey eq 'b'",
    "not (PartitionKey eq 'a')",
    "PartitionKey ne 'a'",
    "PartitionKey eq 1",
    "RowKey eq 'a'",
    "dek eq 'PartitionKey'",
    "PartitionKey eq",
  ])("%s -> none", (filter) => {
    expect(pinnedPartition(filter, parse)).toBeUndefined();
  });
});

/** An entity's content, without what each Azurite stamps for itself (ETag, Timestamp). */
function content(e: TableEntityResult<Record<string, unknown>>) {
  const { etag: _etag, timestamp: _timestamp, "odata.etag": _odataEtag, ...rest } = e as Record<string, unknown>;
  return rest;
}

async function everything(t: TableClient): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const e of t.listEntities<Record<string, unknown>>()) out.push(content(e));
  return out;
}

/** Every page of a query, as [page contents, has a continuation]. */
async function pages(t: TableClient, filter: string | undefined, size: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const page of t.listEntities<Record<string, unknown>>({ queryOptions: filter ? { filter } : {} }).byPage({ maxPageSize: size })) {
    out.push([page.map(content), page.continuationToken !== undefined]);
  }
  return out;
}

async function outcome(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
    return "ok";
  } catch (err) {
    return `refused ${(err as { statusCode?: number }).statusCode}`;
  }
}

describe("a patched Azurite answers as Azurite does", () => {
  let patched: RunningAzurite;
  let plain: RunningAzurite;
  const tables: TableClient[] = [];
  beforeAll(async () => {
    [patched, plain] = await Promise.all([startAzurite(), startAzurite({ partitionIndex: false })]);
    for (const az of [patched, plain]) {
      const t = TableClient.fromConnectionString(az.connectionString, "indexdiff", { allowInsecureConnection: true });
      await t.createTable();
      tables.push(t);
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all([patched?.stop(), plain?.stop()]);
  });

  /** The same work against both; what each answered. */
  const both = <T>(work: (t: TableClient) => Promise<T>) => Promise.all(tables.map(work));

  it("entities, pages, conditional replaces, merges, deletes and rolled-back transactions", async () => {
    const keys = Array.from({ length: 600 }, (_, i) => ({ partitionKey: `p${i % 7}`, rowKey: `r${String((i * 37) % 600).padStart(4, "0")}` }));
    await both(async (t) => {
      for (let i = 0; i < keys.length; i += 100) {
        const batch = keys.slice(i, i + 100);
        for (const pk of new Set(batch.map((k) => k.partitionKey))) {
          await t.submitTransaction(batch.filter((k) => k.partitionKey === pk).map((k, j) => ["create", { ...k, n: i + j, tag: j % 3 === 0 ? "a" : "b" }]));
        }
      }
    });
    // Replaces (plain, conditional, in transactions), merges, upserts and deletes.
    const etagsOf = (t: TableClient) => Promise.all(keys.slice(0, 50).map((k) => t.getEntity(k.partitionKey, k.rowKey).then((e) => e.etag)));
    const [patchedEtags, plainEtags] = await Promise.all(tables.map(etagsOf));
    const replies = await Promise.all(tables.map(async (t, side) => {
      const etags = side === 0 ? patchedEtags : plainEtags;
      const r: string[] = [];
      for (let i = 0; i < 20; i++) r.push(await outcome(() => t.updateEntity({ ...keys[i], n: -i, replaced: true }, "Replace", { etag: etags[i] })));
      // Stale ETags: the first replace changed them.
      for (let i = 0; i < 5; i++) r.push(await outcome(() => t.updateEntity({ ...keys[i], n: 1000 }, "Replace", { etag: etags[i] })));
      for (let i = 20; i < 30; i++) r.push(await outcome(() => t.updateEntity({ ...keys[i], merged: "yes" }, "Merge")));
      for (let i = 30; i < 40; i++) r.push(await outcome(() => t.upsertEntity({ ...keys[i], upserted: i }, "Replace")));
      r.push(await outcome(() => t.upsertEntity({ partitionKey: "p9", rowKey: "new", fresh: true }, "Replace")));
      for (let i = 40; i < 45; i++) r.push(await outcome(() => t.deleteEntity(keys[i].partitionKey, keys[i].rowKey)));
      // A transaction of replaces whose last one is stale: all or nothing.
      const p0 = keys.filter((k) => k.partitionKey === "p0").slice(10, 20);
      const fresh = await Promise.all(p0.map((k) => t.getEntity(k.partitionKey, k.rowKey)));
      r.push(await outcome(() => t.submitTransaction(p0.map((k, i) => ["update", { ...k, n: 5000 + i }, "Replace", { etag: i === p0.length - 1 ? etags[0] : fresh[i].etag }]))));
      // And one that commits.
      r.push(await outcome(() => t.submitTransaction(p0.map((k, i) => ["update", { ...k, n: 6000 + i }, "Replace", { etag: fresh[i].etag }]))));
      return r;
    }));
    expect(replies[0]).toEqual(replies[1]);
    expect(replies[0].filter((r) => r !== "ok").length).toBeGreaterThan(5); // the stale ETags and the stale transaction were refused
    const [patchedAll, plainAll] = await both(everything);
    expect(patchedAll).toEqual(plainAll);
    expect(patchedAll.length).toBe(600 - 5 + 1);

    for (const [filter, size] of [
      [odata`PartitionKey eq ${"p3"}`, 7], [odata`PartitionKey eq ${"p0"}`, 1000], [odata`PartitionKey eq ${"p3"} and RowKey gt ${"r0300"}`, 11],
      [odata`PartitionKey eq ${"p5"} and tag eq ${"a"}`, 4], [odata`PartitionKey eq ${"p2"} or PartitionKey eq ${"p4"}`, 13],
      [odata`PartitionKey eq ${"absent"}`, 5], [undefined, 97], [odata`RowKey lt ${"r0100"}`, 9],
    ] as const) {
      const [a, b] = await both((t) => pages(t, filter, size));
      expect(a, filter).toEqual(b);
    }
  }, 120_000);
});
