import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { DekCache } from "../../shared/keyvault/dekCache";

const V1 = "https://kv1.vault.azure.net";
const V2 = "https://kv2.vault.azure.net";
const src = (vault: string, key: string, version = "v1") => ({ vaultUrl: vault, keyId: `${vault}/keys/${key}/${version}` });

function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

/** A loader returning a fresh copy of `value` each call, counting calls. */
function counting(value: Uint8Array = new Uint8Array(randomBytes(32))) {
  let calls = 0;
  return { value, calls: () => calls, loader: async () => { calls++; return new Uint8Array(value); } };
}

describe("DekCache", () => {
  it("serves from memory within the TTL and unwraps again after it", async () => {
    const c = clock();
    const cache = new DekCache({ ttlMs: 60_000, now: c.now });
    const l = counting();
    const key = { scope: "env-1", dekId: "dek-1" };
    expect(await cache.getOrLoad(key, src(V1, "cmk"), l.loader)).toEqual(l.value);
    c.advance(59_999);
    expect(await cache.getOrLoad(key, src(V1, "cmk"), l.loader)).toEqual(l.value);
    expect(l.calls()).toBe(1);
    c.advance(1);
    expect(await cache.getOrLoad(key, src(V1, "cmk"), l.loader)).toEqual(l.value);
    expect(l.calls()).toBe(2);
  });

  it("reads its TTL from the settings by default", async () => {
    const c = clock();
    process.env.KEYWARD_DEK_CACHE_TTL_SECONDS = "5";
    process.env.KEYWARD_DEK_CACHE_TTL_JITTER_PERCENT = "0";
    try {
      const cache = new DekCache({ now: c.now });
      const l = counting();
      await cache.getOrLoad("k", src(V1, "cmk"), l.loader);
      c.advance(4_999);
      await cache.getOrLoad("k", src(V1, "cmk"), l.loader);
      c.advance(1);
      await cache.getOrLoad("k", src(V1, "cmk"), l.loader);
      expect(l.calls()).toBe(2);
    } finally {
      delete process.env.KEYWARD_DEK_CACHE_TTL_SECONDS;
      delete process.env.KEYWARD_DEK_CACHE_TTL_JITTER_PERCENT;
    }
  });

  it("spreads expiries with jitter that only shortens the TTL (jitter from the settings by default)", async () => {
    const c = clock();
    process.env.KEYWARD_DEK_CACHE_TTL_SECONDS = "10";
    process.env.KEYWARD_DEK_CACHE_TTL_JITTER_PERCENT = "20";
    try {
      // random() walks 0, 0.1, ..., 0.9: the 10 entries live 10 s, 9.8 s, ..., 8.2 s.
      let r = 0;
      const cache = new DekCache({ now: c.now, random: () => ((r++ % 10) / 10) });
      const loaders = Array.from({ length: 10 }, () => counting());
      const readAll = () => Promise.all(loaders.map((l, i) => cache.getOrLoad({ scope: "env", dekId: `d${i}` }, src(V1, "cmk"), l.loader)));
      const vaultCalls = () => loaders.reduce((n, l) => n + l.calls(), 0);
      await readAll();
      expect(vaultCalls()).toBe(10);
      c.advance(8_199);
      await readAll();
      expect(vaultCalls()).toBe(10); // nothing expires before 80% of the TTL
      c.advance(1); // 8.2 s: only the shortest-lived entry expired
      await readAll();
      expect(vaultCalls()).toBe(11);
      c.advance(900); // 9.1 s: those under 9.1 s (8.2 ... 9.0) expired, the rest not yet
      await readAll();
      expect(vaultCalls()).toBe(10 + 1 + 4);
      c.advance(900); // 10 s: every first-round entry has expired (none lived past the TTL), the reloads not
      await readAll();
      expect(vaultCalls()).toBe(20);
    } finally {
      delete process.env.KEYWARD_DEK_CACHE_TTL_SECONDS;
      delete process.env.KEYWARD_DEK_CACHE_TTL_JITTER_PERCENT;
    }
  });

  it("a thousand concurrent reads of one DEK call the loader exactly once", async () => {
    const cache = new DekCache({ ttlMs: 60_000 });
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const value = new Uint8Array(randomBytes(32));
    const loader = async () => { calls++; await gate; return new Uint8Array(value); };
    const reads = Array.from({ length: 1000 }, () => cache.getOrLoad({ scope: "env", dekId: "d" }, src(V1, "cmk"), loader));
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toBe(1);
    release();
    const results = await Promise.all(reads);
    expect(calls).toBe(1);
    for (const r of results) expect(r).toEqual(value);
    // Every reader owns its copy: zeroing one leaves the others and the cache intact.
    results[0].fill(0);
    expect(results[1]).toEqual(value);
    expect(await cache.getOrLoad({ scope: "env", dekId: "d" }, src(V1, "cmk"), loader)).toEqual(value);
  });

  it("does not cache a failed load: every waiter sees the failure, the next read tries again", async () => {
    const cache = new DekCache({ ttlMs: 60_000 });
    let calls = 0;
    const loader = async () => {
      calls++;
      if (calls === 1) { await new Promise((r) => setTimeout(r, 5)); throw new Error("vault said no"); }
      return new Uint8Array(32).fill(7);
    };
    const first = await Promise.allSettled(Array.from({ length: 10 }, () => cache.getOrLoad("k", src(V1, "cmk"), loader)));
    expect(first.every((r) => r.status === "rejected")).toBe(true);
    expect(calls).toBe(1);
    expect(cache.size).toBe(0);
    expect(await cache.getOrLoad("k", src(V1, "cmk"), loader)).toEqual(new Uint8Array(32).fill(7));
    expect(calls).toBe(2);
  });

  it("purges by key name, versionless key id, versioned key id, vault, scope and all", async () => {
    const cache = new DekCache({ ttlMs: 60_000 });
    const fill = async () => {
      cache.purgeAll();
      await cache.getOrLoad({ scope: "e1", dekId: "a" }, src(V1, "cmk", "v1"), counting().loader);
      await cache.getOrLoad({ scope: "e1", dekId: "b" }, src(V1, "cmk", "v2"), counting().loader);
      await cache.getOrLoad({ scope: "e2", dekId: "c" }, src(V1, "cmk2", "v1"), counting().loader);
      await cache.getOrLoad({ scope: "e3", dekId: "d" }, src(V2, "cmk", "v1"), counting().loader);
      expect(cache.size).toBe(4);
    };
    await fill();
    expect(cache.purgeByKey("cmk")).toBe(3); // both vaults, not cmk2
    await fill();
    expect(cache.purgeByKey(`${V1}/keys/cmk`)).toBe(2); // not cmk2 (prefix boundary), not V2
    await fill();
    expect(cache.purgeByKey(`${V1}/keys/cmk/v2`)).toBe(1);
    await fill();
    expect(cache.purgeByKey("CMK2")).toBe(1); // key names are case-insensitive
    await fill();
    expect(cache.purgeByVault("https://KV1.vault.azure.net/")).toBe(3);
    expect(cache.size).toBe(1);
    await fill();
    expect(cache.purgeByScope("e1")).toBe(2);
    await fill();
    expect(cache.purgeAll()).toBe(4);
    expect(cache.size).toBe(0);
  });

  it("zeroes the cached bytes on eviction", async () => {
    const c = clock();
    const cache = new DekCache({ ttlMs: 1000, now: c.now });
    const held: Uint8Array[] = [];
    const loader = async () => { const d = new Uint8Array(32).fill(9); held.push(d); return d; };
    await cache.getOrLoad("k", src(V1, "cmk"), loader);
    // The loader's own array is zeroed once the waiters have copied it.
    await new Promise((r) => setImmediate(r));
    expect(held[0].every((b) => b === 0)).toBe(true);
    const internal = (cache as unknown as { entries: Map<string, { dek?: Uint8Array }> }).entries.values().next().value!.dek!;
    expect(internal.every((b) => b === 9)).toBe(true);
    cache.purgeByVault(V1);
    expect(internal.every((b) => b === 0)).toBe(true);
  });

  it("sweeps expired entries (and zeroes them) without being asked for them", async () => {
    const c = clock();
    const cache = new DekCache({ ttlMs: 1000, now: c.now });
    await cache.getOrLoad("a", src(V1, "cmk"), counting().loader);
    const internal = (cache as unknown as { entries: Map<string, { dek?: Uint8Array }> }).entries.values().next().value!.dek!;
    c.advance(1000);
    await cache.getOrLoad("b", src(V1, "cmk"), counting().loader);
    expect(cache.size).toBe(1);
    expect(internal.every((b) => b === 0)).toBe(true);
    c.advance(1000);
    expect(cache.sweep()).toBe(1);
  });

  it("a purge during an in-flight unwrap lets the waiters finish but caches nothing", async () => {
    const cache = new DekCache({ ttlMs: 60_000 });
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const l = counting();
    const slow = async () => { await gate; return l.loader(); };
    const reading = cache.getOrLoad("k", src(V1, "cmk"), slow);
    expect(cache.purgeByKey("cmk")).toBe(1);
    release();
    expect(await reading).toEqual(l.value);
    expect(cache.size).toBe(0);
  });

  it("checks its preconditions", async () => {
    const cache = new DekCache({ ttlMs: 1000 });
    await expect(cache.getOrLoad({ scope: "", dekId: "x" }, src(V1, "cmk"), counting().loader)).rejects.toThrow(/required/);
    await expect(cache.getOrLoad("k", { vaultUrl: V1, keyId: `${V1}/keys/cmk` }, counting().loader)).rejects.toThrow(/versioned/);
    await expect(cache.getOrLoad("k", src(V1, "cmk"), async () => new Uint8Array(0))).rejects.toThrow(/no key/);
    expect(() => new DekCache({ ttlMs: 0 })).toThrow();
  });
});
