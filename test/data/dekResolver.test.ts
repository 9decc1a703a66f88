import { describe, expect, it } from "vitest";
import { createDekResolver, type DekLoaderCache } from "../../shared/data/dekResolver";
import { DekCache } from "../../shared/keyvault/dekCache";
import { addActiveDek, addWrappedCopy, createKeyRing, retireDek, type KeyRing } from "../../shared/crypto/keyRing";
import { generateWrappedDek, wrapVerified } from "../../shared/crypto/wrapping";
import { generateIndexKey } from "../../shared/crypto/blindIndex";
import { IntegrityError } from "../../shared/crypto/integrityError";
import { newDekId } from "../../shared/crypto/dek";
import { RsaTestKey } from "./support/rsaKeyWrapper";
import { passThroughCache, RecordingCache } from "./support/caches";
import { TestKeys } from "./support/environment";

const platform = { kind: "PlatformManaged" as const };
const customer = { kind: "CustomerManaged" as const, policy: "contoso" };

async function setup(cache: DekLoaderCache = passThroughCache) {
  const keys = new TestKeys();
  const pmk = keys.add(new RsaTestKey("platform", "pmk"));
  const cmk = keys.add(new RsaTestKey("contoso", "cmk"));
  const first = await generateWrappedDek(pmk, platform);
  const indexKey = generateIndexKey();
  let ring = createKeyRing({ environmentId: "env-r", dekId: first.dekId, dekCopy: first.copy, indexKeyCopy: await wrapVerified(pmk, indexKey, platform), buckets: 4, now: new Date() });
  const rings = { read: async (id: string) => (id === ring.environmentId ? ring : undefined) };
  const resolver = createDekResolver({ rings, wrapperFor: keys.wrapperFor, cache });
  return { keys, pmk, cmk, first, indexKey, resolver, get ring() { return ring; }, set ring(r: KeyRing) { ring = r; } };
}

describe("DEK resolver", () => {
  it("unwraps the active DEK, any DEK in the ring, and the index key", async () => {
    const s = await setup();
    const active = await s.resolver.activeDek("env-r");
    expect(active.id).toBe(s.first.dekId);
    expect(active.key).toHaveLength(32);
    expect(Buffer.from((await s.resolver.dekFor("env-r", s.first.dekId)).key).equals(Buffer.from(active.key))).toBe(true);
    expect(Buffer.from(await s.resolver.indexKey("env-r")).equals(Buffer.from(s.indexKey))).toBe(true);
    expect(s.keys.sourcesSeen).toContainEqual(platform);
  });

  it("refuses a DEK the ring does not hold, or holds only as retired", async () => {
    const s = await setup();
    await expect(s.resolver.dekFor("env-r", newDekId())).rejects.toMatchObject({ failure: "UnknownDek" });
    const second = await generateWrappedDek(s.cmk, customer);
    s.ring = retireDek(addActiveDek(s.ring, { dekId: second.dekId, copy: second.copy, now: new Date() }), s.first.dekId, new Date());
    await expect(s.resolver.dekFor("env-r", s.first.dekId)).rejects.toBeInstanceOf(IntegrityError);
    await expect(s.resolver.activeDek("env-r")).resolves.toMatchObject({ id: second.dekId });
    await expect(s.resolver.keysFor("env-other")).rejects.toMatchObject({ status: 404, code: "KeyRingNotFound" });
  });

  it("falls back to the next wrapped copy when a key is unreachable, and reports the failure when none works", async () => {
    const s = await setup();
    s.ring = addWrappedCopy(s.ring, { dekId: s.first.dekId }, await wrapVerified(s.cmk, (await s.resolver.activeDek("env-r")).key, customer));
    s.pmk.revoked = true;
    expect((await s.resolver.activeDek("env-r")).key).toHaveLength(32);
    s.cmk.revoked = true;
    await expect(s.resolver.activeDek("env-r")).rejects.toMatchObject({ kind: "AccessLost" });
    // The index key has only the (revoked) platform copy.
    await expect(s.resolver.indexKey("env-r")).rejects.toMatchObject({ kind: "AccessLost" });
  });

  it("prefers reporting a transient failure over lost access, so a retry is not turned into a lock", async () => {
    const s = await setup();
    s.ring = addWrappedCopy(s.ring, { dekId: s.first.dekId }, await wrapVerified(s.cmk, (await s.resolver.activeDek("env-r")).key, customer));
    s.pmk.revoked = true;
    s.cmk.unwrap = async () => { throw Object.assign(new Error("vault busy"), { kind: "Transient" }); };
    await expect(s.resolver.activeDek("env-r")).rejects.toMatchObject({ kind: "Transient" });
  });

  it("caches under {scope: environment, dekId} with the versioned key id of the copy", async () => {
    const cache = new RecordingCache();
    const s = await setup(cache);
    await s.resolver.activeDek("env-r");
    await s.resolver.activeDek("env-r");
    await s.resolver.indexKey("env-r");
    expect(cache.loads).toBe(2);
    expect(cache.entries.get(`env-r/${s.first.dekId}`)!.meta).toEqual({ vaultUrl: "https://platform.vault.azure.net", keyId: s.first.copy.keyId });
    expect([...cache.entries.keys()]).toContain("env-r/#index-key");
  });

  it("works with the real DekCache, whose purge by environment drops the environment's keys", async () => {
    const cache = new DekCache({ ttlMs: 60_000 });
    const s = await setup(cache);
    await s.resolver.activeDek("env-r");
    await s.resolver.indexKey("env-r");
    expect(cache.size).toBe(2);
    s.pmk.revoked = true;
    await expect(s.resolver.activeDek("env-r")).resolves.toMatchObject({ id: s.first.dekId }); // still cached
    expect(cache.purgeByScope("env-r")).toBe(2);
    await expect(s.resolver.activeDek("env-r")).rejects.toMatchObject({ kind: "AccessLost" });
  });

  it("a write's ring is at most writeRingMaxAgeMs old: a DEK switched elsewhere is used once that has passed, and a fresh read refreshes it at once", async () => {
    const s = await setup();
    let reads = 0;
    const rings = { read: async (id: string) => (reads++, id === s.ring.environmentId ? s.ring : undefined) };
    const resolver = createDekResolver({ rings, wrapperFor: s.keys.wrapperFor, cache: passThroughCache, writeRingMaxAgeMs: 150 });
    const before = await resolver.keysForWrite("env-r");
    expect(before.ring.activeDekId).toBe(s.first.dekId);
    // Another instance switches the active DEK.
    const second = await generateWrappedDek(s.cmk, customer);
    s.ring = addActiveDek(s.ring, { dekId: second.dekId, copy: second.copy, now: new Date() });
    const cachedAt = Date.now();
    const soon = await resolver.keysForWrite("env-r");
    // Within the bound the cached ring may still be served (and no storage call made) ...
    if (Date.now() - cachedAt < 100) {
      expect(soon.ring.activeDekId).toBe(s.first.dekId);
      expect(reads).toBe(1);
    }
    await new Promise((r) => setTimeout(r, 160));
    // ... past it, never.
    expect((await resolver.keysForWrite("env-r")).ring.activeDekId).toBe(second.dekId);
    expect((await resolver.activeDek("env-r")).id).toBe(second.dekId);
    // A fresh read (keysFor) replaces the write cache's copy: a third switch is seen at once after one.
    const third = await generateWrappedDek(s.cmk, customer);
    s.ring = addActiveDek(s.ring, { dekId: third.dekId, copy: third.copy, now: new Date() });
    await resolver.keysFor("env-r");
    const readsNow = reads;
    expect((await resolver.keysForWrite("env-r")).ring.activeDekId).toBe(third.dekId);
    expect(reads).toBe(readsNow);
  });

  it("with no write bound (the default) every write reads the ring", async () => {
    const s = await setup();
    let reads = 0;
    const rings = { read: async (id: string) => (reads++, id === s.ring.environmentId ? s.ring : undefined) };
    const resolver = createDekResolver({ rings, wrapperFor: s.keys.wrapperFor, cache: passThroughCache });
    await resolver.keysForWrite("env-r");
    await resolver.keysForWrite("env-r");
    expect(reads).toBe(2);
    await expect(resolver.keysForWrite("env-other")).rejects.toMatchObject({ status: 404, code: "KeyRingNotFound" });
  });
});
