import { describe, expect, it } from "vitest";
import { IntegrityError } from "../../shared/crypto/integrityError";
import { createDataContext } from "../../shared/data/context";
import { testEnvironment } from "./support/environment";
import { allEntities, collect, rawContainer, rawTable } from "./support/raw";

const MiB = 1024 * 1024;

async function ready() {
  const t = testEnvironment();
  const env = t.newEnvironmentId();
  await t.data.initialize(env, t.platformKey);
  const table = rawTable(t.naming.recordTable(env));
  const container = rawContainer(t.naming.container(env));
  const rows = () => allEntities(t.naming.recordTable(env));
  const blobNames = async (prefix = "") => (await collect(container.listBlobsFlat({ prefix }))).map((b) => b.name);
  return { ...t, env, table, container, rows, blobNames };
}

describe("records", () => {
  it("round-trip JSON values of every shape, including empty and unicode", async () => {
    const t = await ready();
    const values: [string, unknown][] = [
      ["empty-string", ""],
      ["null", null],
      ["zero", 0],
      ["empty-object", {}],
      ["empty-array", []],
      ["unicode", { text: "Grüße, 世界 😀 \u0000 \u2028", nested: [1.5, true, "é"] }],
    ];
    for (const [id, value] of values) expect(await t.data.putRecord(t.env, "things", id, value)).toEqual({ created: true });
    for (const [id, value] of values) expect(await t.data.getRecord(t.env, "things", id)).toEqual(value);
    // Unicode names, and the same id in two tables are two records.
    await t.data.putRecord(t.env, "Tabelle ü", "Schlüssel 🔑", "a");
    await t.data.putRecord(t.env, "other", "Schlüssel 🔑", "b");
    expect(await t.data.getRecord(t.env, "Tabelle ü", "Schlüssel 🔑")).toBe("a");
    expect(await t.data.getRecord(t.env, "other", "Schlüssel 🔑")).toBe("b");
    expect(await t.data.putRecord(t.env, "other", "Schlüssel 🔑", "c")).toEqual({ created: false });
    expect(await t.data.getRecord(t.env, "other", "Schlüssel 🔑")).toBe("c");
  });

  it("spill large values to a blob, and clean the blob up on overwrite and delete", async () => {
    const t = await ready();
    const big = { blob: "x".repeat(3 * MiB), tail: "é".repeat(1000) };
    const nearLimit = "y".repeat(64 * 1024 - 200);
    await t.data.putRecord(t.env, "docs", "big", big);
    await t.data.putRecord(t.env, "docs", "near", nearLimit);
    expect(await t.data.getRecord(t.env, "docs", "big")).toEqual(big);
    expect(await t.data.getRecord(t.env, "docs", "near")).toBe(nearLimit);
    const spilled = await t.blobNames("records/");
    expect(spilled).toHaveLength(1);
    const rows = await t.rows();
    expect(rows.filter((r) => typeof r.b === "string")).toHaveLength(1);
    expect(rows.filter((r) => r.e instanceof Uint8Array)).toHaveLength(1);

    // Large -> large: a fresh blob, the old one removed. Large -> small: inline, blob removed.
    await t.data.putRecord(t.env, "docs", "big", { ...big, v: 2 });
    const after = await t.blobNames("records/");
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(spilled[0]);
    expect(await t.data.getRecord(t.env, "docs", "big")).toEqual({ ...big, v: 2 });
    await t.data.putRecord(t.env, "docs", "big", "small now");
    expect(await t.blobNames("records/")).toHaveLength(0);
    expect(await t.data.getRecord(t.env, "docs", "big")).toBe("small now");

    await t.data.putRecord(t.env, "docs", "big", big);
    await t.data.deleteRecord(t.env, "docs", "big");
    expect(await t.blobNames("records/")).toHaveLength(0);
    await expect(t.data.getRecord(t.env, "docs", "big")).rejects.toMatchObject({ status: 404, code: "RecordNotFound" });
  });

  it("re-read a row whose spilled blob a concurrent writer replaced", async () => {
    const t = await ready();
    await t.data.putRecord(t.env, "docs", "big", "1".repeat(100 * 1024));
    const ctx = createDataContext(t.deps);
    const { rows: [stale] } = await ctx.records.scanPartition(t.env, Number(((await t.rows())[0].partitionKey as string)), 10);
    await t.data.putRecord(t.env, "docs", "big", "2".repeat(100 * 1024)); // deletes the blob `stale` points to
    const keys = await ctx.keys.keysFor(t.env);
    const opened = await ctx.records.openRowFresh(keys, stale);
    expect(Buffer.from(opened!.valueJson).toString() === JSON.stringify("2".repeat(100 * 1024))).toBe(true);
    await t.data.deleteRecord(t.env, "docs", "big");
    expect(await ctx.records.openRowFresh(keys, stale)).toBeUndefined();
  });

  it("accept a 4 MiB value and refuse a larger one with 400 RecordValueTooLarge", async () => {
    const t = await ready();
    const max = "z".repeat(4 * MiB - 2); // JSON adds the two quotes
    await t.data.putRecord(t.env, "docs", "max", max);
    expect(await t.data.getRecord(t.env, "docs", "max")).toBe(max);
    await expect(t.data.putRecord(t.env, "docs", "over", max + "z")).rejects.toMatchObject({ status: 400, code: "RecordValueTooLarge" });
    await expect(t.data.getRecord(t.env, "docs", "over")).rejects.toMatchObject({ status: 404 });
  });

  it("delete, and 404 for what is not there", async () => {
    const t = await ready();
    await t.data.putRecord(t.env, "t", "r", 1);
    await t.data.deleteRecord(t.env, "t", "r");
    await expect(t.data.getRecord(t.env, "t", "r")).rejects.toMatchObject({ status: 404, code: "RecordNotFound" });
    await expect(t.data.deleteRecord(t.env, "t", "r")).rejects.toMatchObject({ status: 404, code: "RecordNotFound" });
    expect(await t.rows()).toHaveLength(0);
  });

  it("list one table in pages, each record once, with tokens bound to the table", async () => {
    const t = await ready();
    const ids = Array.from({ length: 37 }, (_, i) => `rec-${i}`);
    await Promise.all(ids.map((id) => t.data.putRecord(t.env, "listed", id, { id })));
    await Promise.all(["a", "b", "c"].map((id) => t.data.putRecord(t.env, "elsewhere", id, 0)));
    await t.data.putRecord(t.env, "listed", "spilled", "s".repeat(100 * 1024));
    const seen: string[] = [];
    let continuation: string | undefined;
    let pages = 0;
    do {
      const page = await t.data.listRecords(t.env, "listed", { pageSize: 5, continuation });
      expect(page.records.length).toBeLessThanOrEqual(5);
      for (const r of page.records) {
        expect(r.value).toEqual(r.recordId === "spilled" ? "s".repeat(100 * 1024) : { id: r.recordId });
        seen.push(r.recordId);
      }
      continuation = page.continuation;
      if (continuation) await expect(t.data.listRecords(t.env, "elsewhere", { continuation })).rejects.toMatchObject({ status: 400, code: "InvalidContinuationToken" });
      pages++;
    } while (continuation);
    expect(pages).toBeGreaterThanOrEqual(8);
    expect(seen.sort()).toEqual([...ids, "spilled"].sort());
    expect((await t.data.listRecords(t.env, "empty-table")).records).toEqual([]);
    await expect(t.data.listRecords(t.env, "listed", { continuation: "garbage!" })).rejects.toMatchObject({ code: "InvalidContinuationToken" });
    await expect(t.data.listRecords(t.env, "listed", { pageSize: 0 })).rejects.toMatchObject({ code: "InvalidPageSize" });
  });

  it("refuse a ciphertext moved to another record, table or environment, or with an edited DEK index", async () => {
    const t = await ready();
    const put = async (table: string, id: string, value: unknown) => {
      const before = new Set((await t.rows()).map((r) => r.rowKey));
      await t.data.putRecord(t.env, table, id, value);
      return (await t.rows()).find((r) => !before.has(r.rowKey))!;
    };
    const alice = await put("accounts", "alice", { balance: 100 });
    const mallory = await put("accounts", "mallory", { balance: 1 });
    const auditAlice = await put("audit", "alice", { note: "x" });
    // Rows are in layout 2 (the table index is in the RowKey, `v: 2`); an envelope moved keeps its row's layout.
    expect(alice.v).toBe(2);
    const overwrite = (row: Record<string, unknown>, from: Record<string, unknown>) =>
      t.table.updateEntity({ partitionKey: row.partitionKey as string, rowKey: row.rowKey as string, v: 2, dek: from.dek, e: from.e }, "Replace");
    const refused = async () => {
      const error = await t.data.getRecord(t.env, "accounts", "alice").then(() => undefined, (err: unknown) => err);
      expect(error).toBeInstanceOf(IntegrityError);
      expect((error as IntegrityError).code).toBe("CiphertextIntegrityFailure");
    };

    await overwrite(alice, mallory); // another record of the same table
    await refused();
    await overwrite(alice, auditAlice); // same record id in another table
    await refused();
    await overwrite(alice, { ...alice, dek: mallory.dek === alice.dek ? "someOtherDekId" : mallory.dek }); // edited DEK index
    await refused();
    await overwrite(alice, alice);
    expect(await t.data.getRecord(t.env, "accounts", "alice")).toEqual({ balance: 100 });

    // Another environment of the same deployment.
    const other = t.newEnvironmentId();
    await t.data.initialize(other, t.platformKey);
    await t.data.putRecord(other, "accounts", "alice", { balance: 5 });
    const otherTable = rawTable(t.naming.recordTable(other));
    const [otherAlice] = await allEntities(t.naming.recordTable(other));
    await otherTable.updateEntity({ partitionKey: otherAlice.partitionKey!, rowKey: otherAlice.rowKey!, v: 2, dek: alice.dek, e: alice.e }, "Replace");
    await expect(t.data.getRecord(other, "accounts", "alice")).rejects.toMatchObject({ code: "CiphertextIntegrityFailure", failure: "UnknownDek" });
  });
});
