// Record re-encryption writes in Table transactions (<= 100 rows of one partition, each update
// conditioned on its ETag); a batch in which one row changed under it is refused whole and done
// again row by row, so the user's write wins and nothing is lost. Against Azurite, real SDKs.
import { describe, expect, it } from "vitest";
import { addActiveDek } from "../../shared/crypto/keyRing";
import { generateWrappedDek } from "../../shared/crypto/wrapping";
import { createDataContext } from "../../shared/data/context";
import { mapLimit } from "../../shared/data/concurrency";
import { testEnvironment } from "./support/environment";

async function setUp(records: number) {
  const t = testEnvironment({ buckets: 1 });
  const env = t.newEnvironmentId();
  await t.data.initialize(env, t.platformKey);
  await mapLimit(Array.from({ length: records }, (_, i) => i), 16, (i) => t.data.putRecord(env, "t", `r${i}`, { i }));
  const ctx = createDataContext(t.deps);
  // A new active DEK (under the platform key here: the batching does not care whose key).
  const dek = await generateWrappedDek(t.platformKey, { kind: "PlatformManaged" });
  await ctx.rings.update(env, (r) => addActiveDek(r, { dekId: dek.dekId, copy: dek.copy, now: new Date() }));
  return { t, env, ctx, targetDekId: dek.dekId };
}

describe("batched record re-encryption", () => {
  it("re-seals a 250-row page in transactions of at most 100, every row then under the target and readable", async () => {
    const { t, env, ctx, targetDekId } = await setUp(250);
    const keys = await ctx.keys.keysFor(env);
    const page = await ctx.records.scanPartition(env, 0, 1000);
    expect(page.rows).toHaveLength(250);
    const outcomes = await ctx.records.rewriteBatch(keys, page.rows, await keys.activeDek(), 8);
    expect(outcomes.filter((o) => o === "rewritten")).toHaveLength(250);
    expect(await t.reencryption.dekUsage(env)).toEqual({ records: { [targetDekId]: 250 }, files: {} });
    for (const i of [0, 99, 100, 249]) expect(await t.data.getRecord(env, "t", `r${i}`)).toEqual({ i });
    // A rerun skips every row.
    const again = await ctx.records.rewriteBatch(keys, (await ctx.records.scanPartition(env, 0, 1000)).rows, await keys.activeDek(), 8);
    expect(again.every((o) => o === "skipped")).toBe(true);
  });

  it("a row written after the scan refuses its batch: the batch falls back row by row and the user's write wins", async () => {
    const { t, env, ctx, targetDekId } = await setUp(120);
    const keys = await ctx.keys.keysFor(env);
    const page = await ctx.records.scanPartition(env, 0, 1000);
    // A user writes r5 between the scan and the re-encryption (under the new active DEK).
    await t.data.putRecord(env, "t", "r5", { i: 5, changed: true });
    const outcomes = await ctx.records.rewriteBatch(keys, page.rows, await keys.activeDek(), 8);
    expect(outcomes.filter((o) => o === "skipped")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "rewritten")).toHaveLength(119);
    expect(await t.data.getRecord(env, "t", "r5")).toEqual({ i: 5, changed: true });
    expect(await t.data.getRecord(env, "t", "r6")).toEqual({ i: 6 });
    expect(await t.reencryption.dekUsage(env)).toEqual({ records: { [targetDekId]: 120 }, files: {} });
  });
});
