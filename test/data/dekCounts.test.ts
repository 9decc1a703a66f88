// Counting by DEK in bounded calls (shared/data/dekCounts.ts) and the finish proof built on it:
// no call reads more than its bound, whatever the environment's size; a count resumes from its
// cursor and adds up to the whole; a proof waits for the switch to settle; and an item left under
// the previous DEK (a late write, injected) refuses the retirement with nothing retired.
import { TableClient } from "@azure/data-tables";
import { describe, expect, it, vi } from "vitest";
import { findDek } from "../../shared/crypto/keyRing";
import { createDataContext } from "../../shared/data/context";
import { createDekCounts, PROOF_SETTLE_MS, sumOf, type CountedStore } from "../../shared/data/dekCounts";
import { createKeyTransitions } from "../../shared/data/keyTransitions";
import { mapLimit } from "../../shared/data/concurrency";
import { readSettings } from "../../shared/settings";
import { testStorage } from "../support/storage";
import { testEnvironment } from "./support/environment";
import { reencryptEverything } from "./support/reencryptEverything";
import { RsaTestKey } from "./support/rsaKeyWrapper";

const BUCKETS = 4;
const customer = { kind: "CustomerManaged" as const, policy: "contoso" };

async function world(records: number, files: number) {
  const t = testEnvironment({ buckets: BUCKETS });
  const ctx = createDataContext(t.deps);
  const env = t.newEnvironmentId();
  const dekA = (await t.data.initialize(env, t.platformKey)).activeDekId;
  await mapLimit(Array.from({ length: records }, (_, i) => i), 16, (i) => t.data.putRecord(env, "t", `r${i}`, { i }));
  await mapLimit(Array.from({ length: files }, (_, i) => i), 16, (i) => t.data.putFile(env, `f${i}`, new TextEncoder().encode(`file ${i}`)));
  return { t, ctx, env, dekA, cmk: t.keys.add(new RsaTestKey("contoso", "cmk")) };
}

/** Counts a store (or one partition) in calls of at most `maxItems`, resuming each from the last: each call's items, and the totals. */
async function countAll(counts: ReturnType<typeof createDekCounts>, environmentId: string, store: CountedStore, targetDekId: string, maxItems: number, more: { partition?: number; proof?: boolean } = {}) {
  const perCall: number[] = [];
  const offTarget: Record<string, number> = {};
  let continuation: string | undefined;
  do {
    const r = await counts.count({ environmentId, store, targetDekId, maxItems, ...more, ...(continuation ? { continuation } : {}) });
    perCall.push(r.items);
    for (const [dek, n] of Object.entries(r.offTarget)) offTarget[dek] = (offTarget[dek] ?? 0) + n;
    continuation = r.continuation;
  } while (continuation);
  return { perCall, items: perCall.reduce((n, x) => n + x, 0), offTarget };
}

describe("counting by DEK in bounded calls", () => {
  it.each([{ records: 60, files: 12 }, { records: 240, files: 48 }])("reads at most the bound per call and per page at $records records and $files files, and adds up to the store", async ({ records, files }) => {
    const { ctx, env, dekA } = await world(records, files);
    const pages = { records: vi.spyOn(ctx.records, "dekIdsPage"), files: vi.spyOn(ctx.files, "dekIdsPage") };
    const whole = { records: vi.spyOn(ctx.records, "countByDek"), files: vi.spyOn(ctx.files, "countByDek") };
    const counts = createDekCounts(ctx);
    const bound = 25;
    for (const [store, n] of [["records", records], ["files", files]] as const) {
      const counted = await countAll(counts, env, store, "dek-target", bound);
      expect(counted.items).toBe(n);
      expect(counted.offTarget).toEqual({ [dekA]: n });
      expect(Math.max(...counted.perCall)).toBeLessThanOrEqual(bound);
      // Several calls, each a bounded one: a bigger store is more calls, not bigger ones.
      expect(counted.perCall.length).toBeGreaterThanOrEqual(Math.ceil(n / bound));
      for (const call of pages[store].mock.calls) expect(call[2]).toBeLessThanOrEqual(bound);
      for (const result of pages[store].mock.results) expect((await result.value).dekIds.length).toBeLessThanOrEqual(bound);
    }
    expect(whole.records).not.toHaveBeenCalled();
    expect(whole.files).not.toHaveBeenCalled();
  }, 120_000);

  it("counts one partition when asked, and the partitions add up to the store", async () => {
    const { ctx, env, dekA } = await world(80, 0);
    const counts = createDekCounts(ctx);
    let total = 0;
    for (let partition = 0; partition < BUCKETS; partition++) {
      const counted = await countAll(counts, env, "records", dekA, 7, { partition });
      expect(Math.max(...counted.perCall)).toBeLessThanOrEqual(7);
      expect(counted.offTarget).toEqual({});
      total += counted.items;
    }
    expect(total).toBe(80);
    await expect(counts.count({ environmentId: env, store: "records", targetDekId: dekA, maxItems: 7, partition: BUCKETS })).rejects.toMatchObject({ code: "InvalidPartition" });
  }, 60_000);

  it("the settle outlasts the longest environment state cache the settings allow", () => {
    // A request let through on a cached state may still be choosing its DEK: the proof waits longer.
    expect(PROOF_SETTLE_MS).toBeGreaterThan(readSettings({ KEYWARD_DATA_STATE_CACHE_MS: "1500" }).dataStateCacheMs);
    expect(() => readSettings({ KEYWARD_DATA_STATE_CACHE_MS: String(PROOF_SETTLE_MS) })).toThrow(/KEYWARD_DATA_STATE_CACHE_MS/);
  });

  it("the settle outlasts the longest state cache and write ring cache together, with room for the write's flight", () => {
    // A write may choose its DEK from a ring that old, after being let through on a state that old.
    const longest = readSettings({ KEYWARD_DATA_STATE_CACHE_MS: "1500", KEYWARD_DATA_WRITE_RING_CACHE_MS: "500" });
    expect(PROOF_SETTLE_MS - longest.dataStateCacheMs - longest.dataWriteRingCacheMs).toBeGreaterThanOrEqual(500);
    expect(() => readSettings({ KEYWARD_DATA_WRITE_RING_CACHE_MS: "501" })).toThrow(/KEYWARD_DATA_WRITE_RING_CACHE_MS/);
    expect(readSettings({}).dataWriteRingCacheMs).toBe(250);
  });

  it("a proof counts only once the target has been active PROOF_SETTLE_MS", async () => {
    const { ctx, env, cmk } = await world(5, 0);
    const target = await createKeyTransitions(ctx).prepareTargetDek(env, cmk, customer);
    const createdAt = Date.parse(findDek((await ctx.rings.read(env))!, target.dekId)!.createdAt);
    const r = await createDekCounts(ctx).count({ environmentId: env, store: "records", targetDekId: target.dekId, maxItems: 100, proof: true });
    expect(Date.now()).toBeGreaterThanOrEqual(createdAt + PROOF_SETTLE_MS);
    expect(sumOf(r.offTarget)).toBe(5);
  }, 60_000);
});

describe("the finish proof", () => {
  it("past its bound finishRekey asks for a paged proof and retires nothing", async () => {
    const { t, ctx, env, dekA, cmk } = await world(30, 5);
    const transitions = createKeyTransitions(ctx);
    const target = await transitions.prepareTargetDek(env, cmk, customer);
    await reencryptEverything(t.reencryption, env, target.dekId);
    const before = await ctx.rings.read(env);
    expect(await transitions.finishRekey(env, target.dekId, { maxItems: 10 })).toEqual({ outcome: "ProofPaged" });
    expect(await ctx.rings.read(env)).toEqual(before);
    expect(findDek(before!, dekA)!.state).not.toBe("retired");
    // Within the bound it proves it in the one call.
    expect(await transitions.finishRekey(env, target.dekId, { maxItems: 100 })).toMatchObject({ outcome: "ok", retiredDekIds: [dekA] });
  }, 60_000);

  it("an item left under the previous DEK (a late write, injected) refuses: the paged proof counts it, finishRekey reports DataRemaining, nothing retired", async () => {
    const { t, ctx, env, dekA, cmk } = await world(40, 0);
    const table = TableClient.fromConnectionString(testStorage(), t.naming.recordTable(env), { allowInsecureConnection: true });
    const transitions = createKeyTransitions(ctx);
    const target = await transitions.prepareTargetDek(env, cmk, customer);
    // A write that chose dekA before the switch and lands after the re-encryption passed its row.
    const late = (await table.listEntities<{ dek?: string }>().byPage({ maxPageSize: 1 }).next()).value![0];
    expect(late.dek).toBe(dekA);
    await reencryptEverything(t.reencryption, env, target.dekId);
    await table.upsertEntity(late, "Replace");

    // The paged proof, partition by partition, as the re-key's workers count it.
    const counts = createDekCounts(ctx);
    let offTarget = 0;
    for (let partition = 0; partition < BUCKETS; partition++) offTarget += sumOf((await countAll(counts, env, "records", target.dekId, 5, { partition, proof: true })).offTarget);
    expect(offTarget).toBe(1);

    const before = await ctx.rings.read(env);
    expect(await transitions.finishRekey(env, target.dekId, { maxItems: 100 })).toEqual({ outcome: "DataRemaining", remaining: { records: 1 } });
    // A proof that skipped a partition is refused outright.
    await expect(transitions.finishRekey(env, target.dekId, { proven: { records: BUCKETS - 1, files: BUCKETS } })).rejects.toThrow(/counted every partition of records/);
    const after = await ctx.rings.read(env);
    expect(after).toEqual(before);
    expect(findDek(after!, dekA)!.state).not.toBe("retired");
    // The late item still reads (its DEK was kept), and once re-encrypted the proof passes.
    await mapLimit(Array.from({ length: 40 }, (_, i) => i), 8, async (i) => expect(await t.data.getRecord(env, "t", `r${i}`)).toEqual({ i }));
    await reencryptEverything(t.reencryption, env, target.dekId);
    expect(await transitions.finishRekey(env, target.dekId, { maxItems: 100 })).toMatchObject({ outcome: "ok", retiredDekIds: [dekA] });
  }, 60_000);
});
