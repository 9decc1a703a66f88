import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { addActiveDek, addWrappedCopy, dropWrappedCopies, retireDek } from "../../shared/crypto/keyRing";
import { generateWrappedDek, wrapVerified } from "../../shared/crypto/wrapping";
import { createDataContext } from "../../shared/data/context";
import { mapLimit } from "../../shared/data/concurrency";
import type { DekLoaderCache } from "../../shared/data/dekResolver";
import type { PartitionResult, Reencryption } from "../../shared/data/reencrypt";
import { testEnvironment } from "./support/environment";
import { RsaTestKey } from "./support/rsaKeyWrapper";
import { passThroughCache } from "./support/caches";
import { collect, rawContainer } from "./support/raw";

const customer = { kind: "CustomerManaged" as const, policy: "contoso" };

/** Runs one store's partitions to the end in pages of `maxItems`, as activities would. */
async function runAll(r: Reencryption, store: "records" | "files", environmentId: string, targetDekId: string, maxItems: number) {
  const total = { scanned: 0, rewritten: 0, skipped: 0, calls: 0 };
  for (const bucket of await r.partitions(environmentId)) {
    let continuation: string | undefined;
    do {
      const run = { environmentId, bucket, targetDekId, continuation, maxItems };
      const result: PartitionResult = store === "records" ? await r.reencryptRecordPartition(run) : await r.reencryptFilePartition(run);
      expect(result.scanned).toBeLessThanOrEqual(maxItems);
      total.scanned += result.scanned;
      total.rewritten += result.rewritten;
      total.skipped += result.skipped;
      total.calls++;
      continuation = result.continuation;
    } while (continuation);
  }
  return total;
}

/** Moves the environment onto a new DEK under a customer key, as "add to policy" does first. */
async function activateCustomerDek(t: ReturnType<typeof testEnvironment>, environmentId: string) {
  const cmk = t.keys.add(new RsaTestKey("contoso", "cmk"));
  const ctx = createDataContext(t.deps);
  const dek = await generateWrappedDek(cmk, customer);
  const indexKey = await ctx.keys.indexKey(environmentId);
  const indexCopy = await wrapVerified(cmk, indexKey, customer);
  const ring = await ctx.rings.update(environmentId, (r) => addWrappedCopy(addActiveDek(r, { dekId: dek.dekId, copy: dek.copy, now: new Date() }), "indexKey", indexCopy));
  return { cmk, ctx, targetDekId: dek.dekId, ring };
}

describe("re-encryption", () => {
  it("moves 300 records and 50 files onto the new DEK, page by page, and a rerun rewrites nothing", async () => {
    const t = testEnvironment();
    const env = t.newEnvironmentId();
    const ringA = await t.data.initialize(env, t.platformKey);
    const dekA = ringA.activeDekId;
    const records = Array.from({ length: 300 }, (_, i) => ({ table: `table-${i % 3}`, id: `record-${i}`, value: { i, text: `value ${i} ✓`, pad: i % 50 === 0 ? "p".repeat(70 * 1024) : "" } }));
    const files = Array.from({ length: 50 }, (_, i) => ({ path: `folder-${i % 4}/file-${i}.bin`, body: new Uint8Array(randomBytes(i === 0 ? 0 : i * 997)) }));
    await mapLimit(records, 16, (r) => t.data.putRecord(env, r.table, r.id, r.value));
    await mapLimit(files, 16, (f) => t.data.putFile(env, f.path, f.body));
    expect(await t.reencryption.dekUsage(env)).toEqual({ records: { [dekA]: 300 }, files: { [dekA]: 50 } });

    const { cmk, ctx, targetDekId } = await activateCustomerDek(t, env);
    // Only the active DEK is a valid target.
    await expect(t.reencryption.reencryptRecordPartition({ environmentId: env, bucket: 0, targetDekId: dekA, maxItems: 7 })).rejects.toMatchObject({ status: 409, code: "TargetDekNotActive" });
    await expect(t.reencryption.reencryptRecordPartition({ environmentId: env, bucket: 16, targetDekId, maxItems: 7 })).rejects.toMatchObject({ status: 400, code: "InvalidPartition" });
    await expect(t.reencryption.reencryptFilePartition({ environmentId: env, bucket: 0, targetDekId, maxItems: 0 })).rejects.toMatchObject({ status: 400, code: "InvalidPageSize" });

    const first = await runAll(t.reencryption, "records", env, targetDekId, 7);
    expect(first).toMatchObject({ scanned: 300, rewritten: 300, skipped: 0 });
    expect(first.calls).toBeGreaterThan(16 * 2);
    const firstFiles = await runAll(t.reencryption, "files", env, targetDekId, 7);
    expect(firstFiles).toMatchObject({ scanned: 50, rewritten: 50, skipped: 0 });

    expect(await t.reencryption.countUnderDek(env, dekA)).toBe(0);
    expect(await t.reencryption.countUnderDek(env, targetDekId)).toBe(350);
    expect(await runAll(t.reencryption, "records", env, targetDekId, 50)).toMatchObject({ scanned: 300, rewritten: 0, skipped: 300 });
    expect(await runAll(t.reencryption, "files", env, targetDekId, 50)).toMatchObject({ scanned: 50, rewritten: 0, skipped: 50 });

    // Nothing is left under A: retire it, drop the platform key's copies, and lose the platform
    // key. Everything still reads back exactly, through the customer key alone.
    await ctx.rings.update(env, (r) => dropWrappedCopies(retireDek(r, dekA, new Date()), { versionlessKeyId: t.platformKey.keyName }));
    t.platformKey.revoked = true;
    await mapLimit(records, 16, async (r) => expect(await t.data.getRecord(env, r.table, r.id)).toEqual(r.value));
    await mapLimit(files, 16, async (f) => expect(Buffer.from(await t.data.getFile(env, f.path)).equals(Buffer.from(f.body))).toBe(true));
    const page = await t.data.listRecords(env, "table-1", { pageSize: 1000 });
    expect(page.records).toHaveLength(100);
    // And losing the customer key locks the data: nothing reads.
    cmk.revoked = true;
    await expect(t.data.getRecord(env, "table-0", "record-0")).rejects.toMatchObject({ kind: "AccessLost" });
  });

  describe("never loses a user write made during re-encryption", () => {
    // A cache that, when re-encryption first asks for the old DEK of the item (after reading the
    // item, before writing it back), lets a user overwrite that item. Each case has one item.
    async function contended(seed: (t: ReturnType<typeof testEnvironment>, env: string) => Promise<unknown>, userWrite: (t: ReturnType<typeof testEnvironment>, env: string) => Promise<unknown>) {
      let hook: (() => Promise<unknown>) | undefined;
      let oldDekId = "";
      const cache: DekLoaderCache = {
        async getOrLoad(key, meta, loader) {
          if (key.dekId === oldDekId && hook) {
            const run = hook;
            hook = undefined;
            await run();
          }
          return passThroughCache.getOrLoad(key, meta, loader);
        },
      };
      const t = testEnvironment({ cache, buckets: 1 });
      const env = t.newEnvironmentId();
      oldDekId = (await t.data.initialize(env, t.platformKey)).activeDekId;
      await seed(t, env);
      const { targetDekId } = await activateCustomerDek(t, env);
      hook = () => userWrite(t, env);
      return { t, env, targetDekId, hookFired: () => hook === undefined };
    }
    const spilledUserValue = "user value, spilled " + "u".repeat(100 * 1024);

    it("for an inline record", async () => {
      const { t, env, targetDekId, hookFired } = await contended((t, env) => t.data.putRecord(env, "t", "r", "old value"), (t, env) => t.data.putRecord(env, "t", "r", "user value"));
      expect(await t.reencryption.reencryptRecordPartition({ environmentId: env, bucket: 0, targetDekId, maxItems: 10 })).toEqual({ scanned: 1, rewritten: 0, skipped: 1 });
      expect(hookFired()).toBe(true);
      expect(await t.data.getRecord(env, "t", "r")).toBe("user value");
      expect(await t.reencryption.dekUsage(env)).toEqual({ records: { [targetDekId]: 1 }, files: {} });
    });

    it("for a record spilled to a blob", async () => {
      const { t, env, targetDekId, hookFired } = await contended((t, env) => t.data.putRecord(env, "t", "r", "b".repeat(100 * 1024)), (t, env) => t.data.putRecord(env, "t", "r", spilledUserValue));
      expect(await t.reencryption.reencryptRecordPartition({ environmentId: env, bucket: 0, targetDekId, maxItems: 10 })).toEqual({ scanned: 1, rewritten: 0, skipped: 1 });
      expect(hookFired()).toBe(true);
      expect((await t.data.getRecord(env, "t", "r")) === spilledUserValue).toBe(true);
      expect(await collect(rawContainer(t.naming.container(env)).listBlobsFlat({ prefix: "records/" }))).toHaveLength(1);
    });

    it("for a file", async () => {
      const { t, env, targetDekId, hookFired } = await contended((t, env) => t.data.putFile(env, "f.txt", new TextEncoder().encode("old file")), (t, env) => t.data.putFile(env, "f.txt", new TextEncoder().encode("user file")));
      expect(await t.reencryption.reencryptFilePartition({ environmentId: env, bucket: 0, targetDekId, maxItems: 10 })).toEqual({ scanned: 1, rewritten: 0, skipped: 1 });
      expect(hookFired()).toBe(true);
      expect(new TextDecoder().decode(await t.data.getFile(env, "f.txt"))).toBe("user file");
      expect(await t.reencryption.dekUsage(env)).toEqual({ records: {}, files: { [targetDekId]: 1 } });
    });
  });

  it("re-reads and still rewrites an item changed under the old DEK since it was scanned", async () => {
    const t = testEnvironment({ buckets: 1 });
    const env = t.newEnvironmentId();
    const dekA = (await t.data.initialize(env, t.platformKey)).activeDekId;
    await t.data.putRecord(env, "t", "r", "first");
    const ctx = createDataContext(t.deps);
    const { rows: [stale] } = await ctx.records.scanPartition(env, 0, 10);
    await t.data.putRecord(env, "t", "r", "second"); // still under A
    const { targetDekId } = await activateCustomerDek(t, env);
    const keys = await ctx.keys.keysFor(env);
    expect(stale.dek).toBe(dekA);
    expect(await ctx.records.rewrite(keys, stale, await keys.activeDek())).toBe("rewritten");
    expect(await t.data.getRecord(env, "t", "r")).toBe("second");
    expect(await t.reencryption.dekUsage(env)).toEqual({ records: { [targetDekId]: 1 }, files: {} });
  });

  it("bounds a file page by bytes: a file larger than the bound is a call of its own, and a cut page resumes after its last file", async () => {
    const t = testEnvironment({ buckets: 1 });
    const env = t.newEnvironmentId();
    const dekA = (await t.data.initialize(env, t.platformKey)).activeDekId;
    const sizes = [60, 60, 300, 60, 60]; // KiB, against a 100 KiB bound: no two fit one call, the 300 KiB one passes it alone
    for (const [i, kib] of sizes.entries()) await t.data.putFile(env, `f${i}`, new Uint8Array(kib * 1024).fill(i));
    const { targetDekId } = await activateCustomerDek(t, env);
    const run = (continuation?: string) => t.reencryption.reencryptFilePartition({ environmentId: env, bucket: 0, targetDekId, maxItems: 100, maxBytes: 100 * 1024, continuation });
    const container = rawContainer(t.naming.container(env));
    const underTarget = async () => (await collect(container.listBlobsFlat({ includeMetadata: true }))).filter((b) => b.metadata?.dek === targetDekId);

    const first = await run();
    expect(first).toMatchObject({ scanned: 1, rewritten: 1 });
    // The file done is deleted meanwhile (a user's delete): the page resumes after it by name, skipping nothing.
    const [done] = await underTarget();
    await container.deleteBlob(done.name);
    const results = [first];
    for (let c = first.continuation; c; ) {
      const r = await run(c);
      results.push(r);
      c = r.continuation;
    }
    expect(results.map((r) => r.scanned)).toEqual([1, 1, 1, 1, 1]);
    expect(await t.reencryption.countUnderDek(env, dekA)).toBe(0);
    expect(await underTarget()).toHaveLength(4);
    // Without a byte bound the same files are one call; with a time bound of 0 a call still moves
    // one group of files, so every call makes progress.
    for (const bound of [{}, { maxMs: 0 }]) {
      const t2 = testEnvironment({ buckets: 1 });
      const env2 = t2.newEnvironmentId();
      await t2.data.initialize(env2, t2.platformKey);
      for (const [i, kib] of sizes.entries()) await t2.data.putFile(env2, `f${i}`, new Uint8Array(kib * 1024));
      const { targetDekId: target2 } = await activateCustomerDek(t2, env2);
      const once = await t2.reencryption.reencryptFilePartition({ environmentId: env2, bucket: 0, targetDekId: target2, maxItems: 100, ...bound });
      expect(once.scanned).toBeGreaterThan(0);
      if (!("maxMs" in bound)) expect(once).toEqual({ scanned: 5, rewritten: 5, skipped: 0 });
    }
  });

  it("bounds a record page by bytes and time: spilled records count at their largest, and a cut page resumes after its last row", async () => {
    const t = testEnvironment({ buckets: 1 });
    const env = t.newEnvironmentId();
    const dekA = (await t.data.initialize(env, t.platformKey)).activeDekId;
    // Three records spilled to blobs (past 64 KiB) and ten inline ones, against a 5 MiB bound: a
    // spilled row counts as 4 MiB, so no two spilled rows share a call.
    const ids = [...Array.from({ length: 3 }, (_, i) => `big${i}`), ...Array.from({ length: 10 }, (_, i) => `small${i}`)];
    for (const id of ids) await t.data.putRecord(env, "t", id, id.startsWith("big") ? "x".repeat(90 * 1024) : id);
    const { targetDekId } = await activateCustomerDek(t, env);
    const run = (continuation?: string, bound: { maxBytes?: number; maxMs?: number } = { maxBytes: 5 * 1024 * 1024 }) =>
      t.reencryption.reencryptRecordPartition({ environmentId: env, bucket: 0, targetDekId, maxItems: 100, continuation, ...bound });
    const results: PartitionResult[] = [];
    for (let c: string | undefined, first = true; first || c; first = false) {
      const r = await run(c);
      results.push(r);
      c = r.continuation;
    }
    // Every call re-sealed what its bound allowed, and together exactly every row once.
    expect(results.reduce((n, r) => n + r.rewritten, 0)).toBe(ids.length);
    expect(results.length).toBeGreaterThanOrEqual(3);
    expect(results.every((r) => r.scanned >= 1)).toBe(true);
    expect(await t.reencryption.countUnderDek(env, dekA)).toBe(0);
    for (const id of ids) expect(await t.data.getRecord(env, "t", id)).toBe(id.startsWith("big") ? "x".repeat(90 * 1024) : id);
    // A rerun finds nothing to do; with a time bound of 0 a call still makes progress.
    expect(await run(undefined, {})).toEqual({ scanned: ids.length, rewritten: 0, skipped: ids.length });
    expect((await run(undefined, { maxMs: 0 })).scanned).toBeGreaterThan(0);
  });

  it("deletes all data of an environment, and reruns", async () => {
    const t = testEnvironment({ buckets: 2 });
    const env = t.newEnvironmentId();
    await t.data.initialize(env, t.platformKey);
    await Promise.all(Array.from({ length: 20 }, (_, i) => t.data.putRecord(env, "t", `r${i}`, i === 0 ? "x".repeat(90 * 1024) : i)));
    await Promise.all(Array.from({ length: 5 }, (_, i) => t.data.putFile(env, `f${i}`, new Uint8Array(10))));
    await t.reencryption.deleteAllData(env);
    await t.reencryption.deleteAllData(env);
    expect(await t.reencryption.dekUsage(env)).toEqual({ records: {}, files: {} });
    expect((await t.data.listRecords(env, "t")).records).toEqual([]);
    await t.data.putRecord(env, "t", "again", 1);
    expect(await t.data.getRecord(env, "t", "again")).toBe(1);
    // An environment never initialized has nothing to count or delete.
    await t.reencryption.deleteAllData(t.newEnvironmentId());
  });
});
