// DEK encryption limits against Azurite with real RSA-OAEP-256 keys: every encryption is counted
// in the key ring (in reserved blocks), a DEK that reaches the limit is rolled over online to a
// fresh DEK under the same key version, nothing is rewritten, and everything stays readable,
// also across a rekey that was under way when the rollover happened.
import { describe, expect, it } from "vitest";
import { encryptionsOf, findDek, keyIdsInUse, type KeyRing } from "../../shared/crypto/keyRing";
import { createDataContext } from "../../shared/data/context";
import { createEnvironmentData } from "../../shared/data/environmentData";
import { createKeyTransitions } from "../../shared/data/keyTransitions";
import { mapLimit } from "../../shared/data/concurrency";
import { testEnvironment } from "./support/environment";
import { reencryptEverything } from "./support/reencryptEverything";
import { RsaTestKey } from "./support/rsaKeyWrapper";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const customer = { kind: "CustomerManaged" as const, policy: "contoso" };

function liveCounts(ring: KeyRing): number[] {
  return ring.deks.filter((d) => d.state !== "retired").map(encryptionsOf);
}

describe("DEK encryption limits", () => {
  it("counts every write, rolls the DEK over at its limit, and keeps old rows readable", async () => {
    const t = testEnvironment({ buckets: 2, encryptionBudget: () => ({ limit: 10, block: 3 }) });
    const rings = createDataContext(t.deps).rings;
    const env = t.newEnvironmentId();
    const first = (await t.data.initialize(env, t.platformKey)).activeDekId;

    for (const i of range(8)) await t.data.putRecord(env, "t", `r${i}`, { i });
    let ring = (await rings.read(env))!;
    expect(ring.activeDekId).toBe(first);
    // 8 writes in blocks of 3: 9 counted (over by the unused rest of one block, never under).
    expect(encryptionsOf(findDek(ring, first)!)).toBe(9);

    const wrapsBefore = t.platformKey.wraps;
    for (const i of range(17)) await t.data.putRecord(env, "t", `s${i}`, { i });
    await t.data.putFile(env, "f0", new TextEncoder().encode("file under the newest DEK"));
    ring = (await rings.read(env))!;
    // 26 encryptions with at most 10 per DEK: three DEKs, each at most at its limit.
    expect(ring.deks.map((d) => d.state)).toEqual(["retiring", "retiring", "active"]);
    for (const n of liveCounts(ring)) expect(n).toBeLessThanOrEqual(10);
    expect(liveCounts(ring).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(26);
    // Each rollover wrapped its DEK under the same (only) key version: one wrap each.
    expect(t.platformKey.wraps - wrapsBefore).toBe(2);
    expect([...keyIdsInUse(ring).keys()]).toEqual([t.platformKey.currentKeyId]);
    expect(findDek(ring, ring.activeDekId)!.rolledOverFrom).toBe(ring.deks[1].dekId);
    expect(ring.deks[1].rolledOverFrom).toBe(first);

    // Nothing was rewritten: the first rows are still under the first DEK (with the first later
    // write, which spent the last count of its block), and read.
    const usage = await t.reencryption.dekUsage(env);
    expect(usage.records[first]).toBe(9);
    expect(usage.files[ring.activeDekId]).toBe(1);
    expect(Object.values(usage.records).reduce((a, b) => a + b, 0)).toBe(25);
    for (const i of range(8)) expect(await t.data.getRecord(env, "t", `r${i}`)).toEqual({ i });
    for (const i of range(17)) expect(await t.data.getRecord(env, "t", `s${i}`)).toEqual({ i });
    expect(new TextDecoder().decode(await t.data.getFile(env, "f0"))).toBe("file under the newest DEK");
  });

  it("several writers in several processes never take a DEK past its limit", async () => {
    const t = testEnvironment({ buckets: 2, encryptionBudget: () => ({ limit: 20, block: 4 }) });
    const env = t.newEnvironmentId();
    await t.data.initialize(env, t.platformKey);
    // Three "processes": each its own data context, so its own blocks, on one key ring row.
    const writers = range(3).map(() => createEnvironmentData(createDataContext(t.deps)));
    await mapLimit(range(90), 12, (i) => writers[i % 3].putRecord(env, "t", `r${i}`, { i }));
    const ring = (await createDataContext(t.deps).rings.read(env))!;
    for (const n of liveCounts(ring)) expect(n).toBeLessThanOrEqual(20);
    const counted = liveCounts(ring).reduce((a, b) => a + b, 0);
    expect(counted).toBeGreaterThanOrEqual(90);
    // Over-count: at most one unused block per writer on each DEK it reserved on.
    expect(counted).toBeLessThanOrEqual(90 + 3 * 4 * ring.deks.length);
    expect(ring.deks.length).toBeGreaterThanOrEqual(5);
    const usage = await t.reencryption.dekUsage(env);
    expect(Object.values(usage.records).reduce((a, b) => a + b, 0)).toBe(90);
    for (const [dekId, n] of Object.entries(usage.records)) expect(n).toBeLessThanOrEqual(encryptionsOf(findDek(ring, dekId)!));
    await mapLimit(range(90), 12, async (i) => expect(await writers[(i + 1) % 3].getRecord(env, "t", `r${i}`)).toEqual({ i }));
  });

  it("a rekey under way when its target DEK rolls over finishes on the successor", async () => {
    let limit = 1000;
    const t = testEnvironment({ buckets: 2, encryptionBudget: () => ({ limit, block: 3 }) });
    const ctx = createDataContext(t.deps);
    const transitions = createKeyTransitions(ctx);
    const cmk = t.keys.add(new RsaTestKey("contoso", "cmk"));
    const env = t.newEnvironmentId();
    const platformDek = (await t.data.initialize(env, t.platformKey)).activeDekId;
    await mapLimit(range(30), 6, (i) => t.data.putRecord(env, "t", `r${i}`, { i }));

    const target = await transitions.prepareTargetDek(env, cmk, customer);
    limit = 12; // the target rolls over several times while the data moves onto it
    await reencryptEverything(t.reencryption, env, target.dekId);
    await t.data.putRecord(env, "t", "late", { late: true });

    const finished = await transitions.finishRekey(env, target.dekId);
    expect(finished).toMatchObject({ outcome: "ok", retiredDekIds: [platformDek], keyId: cmk.currentKeyId });
    const ring = (await ctx.rings.read(env))!;
    expect(ring.activeDekId).not.toBe(target.dekId);
    for (const n of liveCounts(ring)) expect(n).toBeLessThanOrEqual(Math.max(12, encryptionsOf(findDek(ring, target.dekId)!)));
    // The platform key is no longer needed; every live DEK is under the customer key only.
    expect([...keyIdsInUse(ring).keys()]).toEqual([cmk.currentKeyId]);
    t.platformKey.revoked = true;
    for (const i of range(30)) expect(await t.data.getRecord(env, "t", `r${i}`)).toEqual({ i });
    expect(await t.data.getRecord(env, "t", "late")).toEqual({ late: true });
  });
});
