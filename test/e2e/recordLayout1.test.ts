// Records written in layout 1 (RowKey = record index, `tx` column = table index, listed by a filter
// on `tx`) by keyward before layout 2 stay readable through the API: point reads, listings mixed
// with layout 2 rows, overwrites (which move the row to layout 2 without re-encryption) and
// deletes. The rows are written here raw, as the old code wrote them, into an environment whose key
// ring predates layout 2 (no recordLayout). An environment created now is layout 2 only: its
// listing is range lookups on the keys, so a stray layout 1 row is not even seen.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { services } from "../../shared/services";
import { bucketOf, recordIndex, recordTableIndex } from "../../shared/crypto/blindIndex";
import { sealEnvelope } from "../../shared/crypto/envelope";
import { bucketKey } from "../../shared/data/naming";
import { encodeRecordPayload } from "../../shared/data/payloads";
import { allEntities, rawTable } from "../data/support/raw";

let kw: Keyward;

beforeAll(async () => {
  kw = await Keyward.start();
});
afterAll(async () => kw?.stop());

/** Writes a record row exactly as layout 1 did. */
async function writeLayout1(dataId: string, table: string, recordId: string, value: unknown): Promise<void> {
  const keys = await services().dataContext.keys.keysFor(dataId);
  const indexKey = await keys.indexKey();
  const dek = await keys.activeDek();
  const rowKey = recordIndex(indexKey, dataId, table, recordId);
  const tx = recordTableIndex(indexKey, dataId, table);
  const e = sealEnvelope({ dek, context: { environmentId: dataId, store: "records", container: tx, itemId: rowKey }, plaintext: encodeRecordPayload(table, recordId, JSON.stringify(value)) });
  await rawTable(services().dataContext.naming.recordTable(dataId)).createEntity({ partitionKey: bucketKey(bucketOf(rowKey, keys.ring.buckets)), rowKey, tx, dek: dek.id, e });
}

/** The ring as it was before layout 2: no recordLayout (and the data path's cached copy replaced). */
async function asLegacyRing(dataId: string): Promise<void> {
  await services().dataContext.rings.update(dataId, ({ recordLayout: _layout, ...ring }) => ({ ...ring, version: ring.version + 1 }));
  await services().dataContext.keys.keysFor(dataId);
}

async function listAll(env: string, table: string): Promise<Record<string, unknown>> {
  const seen: Record<string, unknown> = {};
  let query = "top=2";
  for (let pages = 0; pages < 50; pages++) {
    const page = await kw.user("GET", `environments/${env}/records/${table}?${query}`);
    expect(page.status).toBe(200);
    for (const r of page.body.value) {
      expect(seen).not.toHaveProperty(r.id);
      seen[r.id] = r.value;
    }
    if (!page.body.continuationToken) return seen;
    query = `top=2&continuationToken=${encodeURIComponent(page.body.continuationToken)}`;
  }
  throw new Error("the listing did not end");
}

describe("record layout 1", () => {
  it("reads, lists, overwrites and deletes layout 1 rows through the API", async () => {
    const env = await kw.environment();
    const dataId = await kw.dataIdOf(env);
    await asLegacyRing(dataId);
    for (let i = 0; i < 5; i++) await writeLayout1(dataId, "old", `o${i}`, { old: i });
    await writeLayout1(dataId, "elsewhere", "x", { no: true });
    for (let i = 0; i < 3; i++) expect((await kw.user("PUT", `environments/${env}/records/old/n${i}`, { fresh: i })).status).toBe(201);

    const got = await kw.user("GET", `environments/${env}/records/old/o3`);
    expect(got.status).toBe(200);
    expect(got.body.value).toEqual({ old: 3 });
    expect(await listAll(env, "old")).toEqual({ o0: { old: 0 }, o1: { old: 1 }, o2: { old: 2 }, o3: { old: 3 }, o4: { old: 4 }, n0: { fresh: 0 }, n1: { fresh: 1 }, n2: { fresh: 2 } });

    // An overwrite is a replacement (200), and moves the row to layout 2.
    const rowsBefore = await allEntities(services().dataContext.naming.recordTable(dataId));
    const layout1Before = rowsBefore.filter((r) => r.tx !== undefined && r.v === undefined);
    expect(layout1Before).toHaveLength(6);
    expect((await kw.user("PUT", `environments/${env}/records/old/o1`, { old: 1, changed: true })).status).toBe(200);
    expect((await kw.user("GET", `environments/${env}/records/old/o1`)).body.value).toEqual({ old: 1, changed: true });
    const rowsAfter = await allEntities(services().dataContext.naming.recordTable(dataId));
    expect(rowsAfter).toHaveLength(rowsBefore.length);
    expect(rowsAfter.filter((r) => r.tx !== undefined && r.v === undefined)).toHaveLength(5);
    expect(rowsAfter.filter((r) => r.v === 2)).toHaveLength(4);

    // Delete of a layout 1 row; then it is gone from reads and listings.
    expect((await kw.user("DELETE", `environments/${env}/records/old/o2`)).status).toBe(204);
    expect((await kw.user("GET", `environments/${env}/records/old/o2`)).status).toBe(404);
    const listed = await listAll(env, "old");
    expect(Object.keys(listed).sort()).toEqual(["n0", "n1", "n2", "o0", "o1", "o3", "o4"]);
    expect(await listAll(env, "elsewhere")).toEqual({ x: { no: true } });
  });

  it("writes new environments in layout 2 only, whose listings are key ranges (a stray layout 1 row is not seen)", async () => {
    const env = await kw.environment();
    const dataId = await kw.dataIdOf(env);
    expect((await services().dataContext.rings.read(dataId))?.recordLayout).toBe(2);
    for (let i = 0; i < 3; i++) expect((await kw.user("PUT", `environments/${env}/records/t/r${i}`, { i })).status).toBe(201);
    const rows = await allEntities(services().dataContext.naming.recordTable(dataId));
    expect(rows.every((r) => r.v === 2 && r.tx === undefined && /^[0-9a-f]{64}-[0-9a-f]{64}$/.test(String(r.rowKey)))).toBe(true);
    await writeLayout1(dataId, "t", "stray", { stray: true });
    expect(await listAll(env, "t")).toEqual({ r0: { i: 0 }, r1: { i: 1 }, r2: { i: 2 } });
    expect((await kw.user("GET", `environments/${env}/records/t/stray`)).status).toBe(404);
  });
});
