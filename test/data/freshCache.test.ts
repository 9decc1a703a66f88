// The data path's cache of state: never serves a value loaded longer ago than its bound, loads
// once for concurrent readers, and keeps neither misses nor failures.
import { describe, expect, it } from "vitest";
import { FreshCache } from "../../shared/state/freshCache";

function clocked(maxAgeMs: number, maxEntries?: number) {
  let now = 1_000;
  const cache = new FreshCache<string>({ maxAgeMs, maxEntries, now: () => now });
  let loads = 0;
  const load = (value: string | undefined) => async () => { loads++; return value; };
  return { cache, load, loads: () => loads, advance: (ms: number) => { now += ms; } };
}

describe("FreshCache", () => {
  it("serves a value until its age reaches the bound, counted from the start of its load", async () => {
    const c = clocked(1000);
    expect(await c.cache.get("k", c.load("a"))).toBe("a");
    c.advance(999);
    expect(await c.cache.get("k", c.load("b"))).toBe("a");
    c.advance(1);
    expect(await c.cache.get("k", c.load("b"))).toBe("b");
    expect(c.loads()).toBe(2);
  });

  it("loads once for concurrent readers", async () => {
    const c = clocked(1000);
    let release!: (v: string) => void;
    let loads = 0;
    const slow = () => { loads++; return new Promise<string>((r) => { release = r; }); };
    const both = Promise.all([c.cache.get("k", slow), c.cache.get("k", slow)]);
    release("v");
    expect(await both).toEqual(["v", "v"]);
    expect(loads).toBe(1);
  });

  it("keeps no miss and no failure: the next reader loads again", async () => {
    const c = clocked(1000);
    expect(await c.cache.get("k", c.load(undefined))).toBeUndefined();
    expect(await c.cache.get("k", c.load("now there"))).toBe("now there");
    await expect(c.cache.get("f", () => Promise.reject(new Error("storage down")))).rejects.toThrow("storage down");
    expect(await c.cache.get("f", c.load("back"))).toBe("back");
  });

  it("forgets on request, takes a fresher value, and reads every time with a bound of 0", async () => {
    const c = clocked(1000);
    await c.cache.get("k", c.load("a"));
    c.cache.forget("k");
    expect(await c.cache.get("k", c.load("b"))).toBe("b");
    c.cache.set("k", "c");
    expect(await c.cache.get("k", c.load("d"))).toBe("c");
    const off = clocked(0);
    await off.cache.get("k", off.load("a"));
    await off.cache.get("k", off.load("a"));
    expect(off.loads()).toBe(2);
    expect(off.cache.size).toBe(0);
  });

  it("keeps at most maxEntries, dropping the oldest", async () => {
    const c = clocked(1000, 2);
    for (const k of ["a", "b", "c"]) await c.cache.get(k, c.load(k));
    expect(c.cache.size).toBe(2);
    await c.cache.get("a", c.load("a2"));
    expect(await c.cache.get("a", c.load("a3"))).toBe("a2");
  });
});
