import { describe, expect, it } from "vitest";
import { testEnvironment } from "./support/environment";

describe("input validation of environment data", () => {
  const t = testEnvironment();
  const env = t.newEnvironmentId();
  const initialized = t.data.initialize(env, t.platformKey);

  const rejects = async (call: () => Promise<unknown>, code: string) => {
    await initialized;
    await expect(call()).rejects.toMatchObject({ status: 400, code });
  };

  it("table names and record ids: 1-255 characters, no control characters, '/', '\\', '.' or '..'", async () => {
    for (const bad of ["", "a".repeat(256), "a\u0000b", "tab\there", "a\u0085", "a/b", "a\\b", ".", "..", "\ud800x", 42]) {
      await rejects(() => t.data.putRecord(env, bad as string, "id", 1), "InvalidTableName");
      await rejects(() => t.data.getRecord(env, "table", bad as string), "InvalidRecordId");
    }
    await initialized;
    const longest = "😀".repeat(255); // 255 characters, 510 UTF-16 units
    await t.data.putRecord(env, longest, longest, "ok");
    expect(await t.data.getRecord(env, longest, longest)).toBe("ok");
    await t.data.putRecord(env, "...", " spaces are fine ", "ok");
  });

  it("file paths: 1-1024 characters, no empty, '.' or '..' segments, no control characters or backslashes", async () => {
    for (const bad of ["", "/abs", "dir/", "a//b", "a/../b", "..", "./a", "a/.", "a\\b", "a\u0007", "x".repeat(1025)]) {
      await rejects(() => t.data.putFile(env, bad, new Uint8Array(1)), "InvalidFilePath");
      await rejects(() => t.data.getFile(env, bad), "InvalidFilePath");
    }
    await t.data.putFile(env, "x".repeat(1024), new Uint8Array(1));
    await t.data.putFile(env, "a/..b/c..", new Uint8Array(1));
  });

  it("record values must be JSON", async () => {
    await rejects(() => t.data.putRecord(env, "t", "r", undefined), "InvalidRecordValue");
    await rejects(() => t.data.putRecord(env, "t", "r", () => 1), "InvalidRecordValue");
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await rejects(() => t.data.putRecord(env, "t", "r", cyclic), "InvalidRecordValue");
    await rejects(() => t.data.putRecord(env, "t", "r", 10n), "InvalidRecordValue");
    await rejects(() => t.data.putFile(env, "f", "text" as never), "InvalidFileBody");
  });

  it("environment ids, and environments never initialized", async () => {
    await rejects(() => t.data.getRecord("bad/env", "t", "r"), "InvalidEnvironmentId");
    await expect(t.data.getRecord(t.newEnvironmentId(), "t", "r")).rejects.toMatchObject({ status: 404, code: "KeyRingNotFound" });
  });

  it("initialize is idempotent: a second call keeps the ring", async () => {
    const ring = await initialized;
    expect(await t.data.initialize(env, t.platformKey)).toEqual(ring);
    expect(ring.deks[0].wrapped[0].source).toEqual({ kind: "PlatformManaged" });
    expect(ring.buckets).toBe(16);
  });
});
