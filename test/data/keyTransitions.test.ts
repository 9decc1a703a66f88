import { describe, expect, it } from "vitest";
import { keyIdsInUse } from "../../shared/crypto/keyRing";
import { createDataContext } from "../../shared/data/context";
import { createKeyTransitions } from "../../shared/data/keyTransitions";
import { mapLimit } from "../../shared/data/concurrency";
import { testEnvironment } from "./support/environment";
import { reencryptEverything } from "./support/reencryptEverything";
import { RsaTestKey } from "./support/rsaKeyWrapper";

const platform = { kind: "PlatformManaged" as const };
const customer = { kind: "CustomerManaged" as const, policy: "contoso" };

/** Data over 4 buckets, its key transitions and key rings, a customer key, and a fresh environment id. */
function world() {
  const t = testEnvironment({ buckets: 4 });
  const ctx = createDataContext(t.deps);
  return { t, transitions: createKeyTransitions(ctx), rings: ctx.rings, cmk: t.keys.add(new RsaTestKey("contoso", "cmk")), env: t.newEnvironmentId() };
}

describe("key transitions over data", () => {
  it("add to policy, remove from policy, and rotate: each key needed only while data needs it", async () => {
    const { t, transitions, rings, cmk, env } = world();
    const dekA = (await t.data.initialize(env, t.platformKey)).activeDekId;
    const items = Array.from({ length: 40 }, (_, i) => i);
    await mapLimit(items, 8, (i) => t.data.putRecord(env, "t", `r${i}`, { i }));
    await mapLimit(items.slice(0, 10), 8, (i) => t.data.putFile(env, `f${i}`, new TextEncoder().encode(`file ${i}`)));
    const readsBack = async () => {
      await mapLimit(items, 8, async (i) => expect(await t.data.getRecord(env, "t", `r${i}`)).toEqual({ i }));
      await mapLimit(items.slice(0, 10), 8, async (i) => expect(new TextDecoder().decode(await t.data.getFile(env, `f${i}`))).toBe(`file ${i}`));
    };

    // Add to policy: a new DEK under the customer key; a rerun keeps it.
    const added = await transitions.prepareTargetDek(env, cmk, customer);
    expect(added).toMatchObject({ created: true, keyId: cmk.currentKeyId });
    expect(await transitions.prepareTargetDek(env, cmk, customer)).toEqual({ ...added, created: false });
    expect(await transitions.finishRekey(env, added.dekId)).toEqual({ outcome: "DataRemaining", remaining: { records: 40, files: 10 } });
    await expect(transitions.finishRekey(env, dekA)).rejects.toMatchObject({ code: "TargetDekNotActive" });
    await reencryptEverything(t.reencryption, env, added.dekId);
    expect(await transitions.finishRekey(env, added.dekId)).toEqual({ outcome: "ok", retiredDekIds: [dekA], keyId: cmk.currentKeyId });
    expect([...keyIdsInUse((await rings.read(env))!).keys()]).toEqual([cmk.currentKeyId]);
    t.platformKey.revoked = true; // the platform key is no longer needed
    await readsBack();

    // New key version: re-wrap only; the old version is then no longer needed.
    const v1 = cmk.currentKeyId;
    const v2 = cmk.rotate();
    expect(await transitions.rewrap(env, cmk, customer)).toEqual({ rewrapped: 2, keyId: v2 });
    expect([...keyIdsInUse((await rings.read(env))!).keys()]).toEqual([v2]);
    expect(await transitions.rewrap(env, cmk, customer)).toEqual({ rewrapped: 0, keyId: v2 });
    expect(await transitions.rewrap(env, t.platformKey, platform)).toEqual({ rewrapped: 0 });
    expect(v1).not.toBe(v2);
    await readsBack();
    expect((await t.reencryption.dekUsage(env)).records).toEqual({ [added.dekId]: 40 });

    // Remove from policy: back to the platform key; then the customer key is no longer needed.
    t.platformKey.revoked = false;
    const reverted = await transitions.prepareTargetDek(env, t.platformKey, platform);
    expect(reverted.created).toBe(true);
    await reencryptEverything(t.reencryption, env, reverted.dekId);
    expect(await transitions.finishRekey(env, reverted.dekId)).toMatchObject({ outcome: "ok", retiredDekIds: [added.dekId] });
    const ring = (await rings.read(env))!;
    expect([...keyIdsInUse(ring).keys()]).toEqual([t.platformKey.currentKeyId]);
    expect(ring.deks.map((d) => d.state)).toEqual(["retired", "retired", "active"]);
    cmk.revoked = true;
    await readsBack();
  });

  it("a re-wrap the vault stops half-way keeps the copy it paid for; the rerun wraps only the rest", async () => {
    const { t, transitions, rings, cmk, env } = world();
    await t.data.initialize(env, cmk, customer);
    await t.data.putRecord(env, "t", "r1", { n: 1 });
    const v1 = cmk.currentKeyId;
    const v2 = cmk.rotate();
    // The vault answers the first wrap and throttles the second (the DEK's and the index key's).
    let calls = 0;
    const throttled = Object.assign(new Error("429 Throttled"), { code: "Throttled" });
    const stopsHalfWay = { keyName: cmk.keyName, unwrap: cmk.unwrap.bind(cmk), wrap: (dek: Uint8Array) => (++calls === 2 ? Promise.reject(throttled) : cmk.wrap(dek)) };
    await expect(transitions.rewrap(env, stopsHalfWay, customer, v2)).rejects.toBe(throttled);
    const half = (await rings.read(env))!;
    expect([...keyIdsInUse(half).keys()].sort()).toEqual([v1, v2].sort()); // one owner under both, one under v1 only
    expect([half.deks[0].wrapped, half.indexKey.wrapped].map((c) => c.length).sort()).toEqual([1, 2]);

    const wrapsBefore = cmk.wraps;
    expect(await transitions.rewrap(env, cmk, customer, v2)).toEqual({ rewrapped: 1, keyId: v2 });
    expect(cmk.wraps - wrapsBefore).toBe(1);
    expect([...keyIdsInUse((await rings.read(env))!).keys()]).toEqual([v2]);
    expect(await transitions.rewrap(env, cmk, customer, v2)).toEqual({ rewrapped: 0, keyId: v2 });
    expect(cmk.wraps - wrapsBefore).toBe(1);
    expect(await t.data.getRecord(env, "t", "r1")).toEqual({ n: 1 });
  });
});
