import { describe, expect, it } from "vitest";
import { bucketOf, fileIndex, generateIndexKey, isBlindIndex, recordIndex, recordTableIndex } from "../../shared/crypto/blindIndex";

describe("blind indexes", () => {
  const key = generateIndexKey();

  it("are deterministic per key, environment and purpose, and reveal no name", () => {
    const a = recordIndex(key, "env", "customers", "42");
    expect(isBlindIndex(a)).toBe(true);
    expect(recordIndex(key, "env", "customers", "42")).toBe(a);
    expect(recordIndex(generateIndexKey(), "env", "customers", "42")).not.toBe(a);
    expect(recordIndex(key, "env2", "customers", "42")).not.toBe(a);
    expect(recordIndex(key, "env", "customers4", "2")).not.toBe(a);
    expect(fileIndex(key, "env", "customers")).not.toBe(recordTableIndex(key, "env", "customers"));
    expect(a).not.toContain("customers");
  });

  it("spread over buckets", () => {
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 1600; i++) counts[bucketOf(fileIndex(key, "env", `f${i}`), 16)]++;
    for (const c of counts) expect(c).toBeGreaterThan(50);
  });

  it("refuse a short key", () => {
    expect(() => fileIndex(key.subarray(0, 16), "env", "p")).toThrow(/32 bytes/);
    expect(() => bucketOf("not an index", 4)).toThrow();
  });
});
