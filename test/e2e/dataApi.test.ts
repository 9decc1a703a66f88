// The environments' data API end to end: real runtime, real vault, real Azurite.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { Keyward, DATA_USER, PLATFORM_ADMIN } from "../support/keyward";

let kw: Keyward;
let env: string;

beforeAll(async () => {
  kw = await Keyward.start();
  env = await kw.environment();
});
afterAll(async () => kw?.stop());

describe("data API", () => {
  it("answers health with every component healthy", async () => {
    const res = await kw.call("GET", "health");
    expect(res.status).toBe(200);
    expect(res.body.components.storage.status).toBe("Healthy");
  });

  it("creates environments on the platform key", async () => {
    const res = await kw.platformAdmin("GET", `environments/${env}`);
    expect(res.status).toBe(200);
    expect(res.body.encryption).toMatchObject({ keyType: "PlatformManaged", status: "PlatformManaged" });
    expect(res.body.encryption.keyId).toMatch(/\/keys\/platform-kek\/[A-Za-z0-9]+$/);
  });

  it("round-trips records of many sizes", async () => {
    for (const size of [0, 10, 70_000, 2 * 1024 * 1024]) {
      const value = { text: "x".repeat(size), n: size };
      const put = await kw.user("PUT", `environments/${env}/records/accounts/r${size}`, value);
      expect(put.status).toBe(201);
      const got = await kw.user("GET", `environments/${env}/records/accounts/r${size}`);
      expect(got.status).toBe(200);
      expect(got.body.value).toEqual(value);
    }
    const again = await kw.user("PUT", `environments/${env}/records/accounts/r10`, { text: "changed" });
    expect(again.status).toBe(200);
  });

  it("round-trips files from empty to several MiB, byte for byte", async () => {
    for (const size of [0, 1, 100_000, 5 * 1024 * 1024]) {
      const bytes = randomBytes(size);
      const put = await kw.call("PUT", `environments/${env}/files/docs/sub dir/f${size}.bin`, { as: { oid: DATA_USER, roles: ["Environment.User"] }, raw: bytes });
      expect(put.status).toBe(200);
      const got = await kw.call("GET", `environments/${env}/files/docs/sub dir/f${size}.bin`, { as: { oid: DATA_USER, roles: ["Environment.User"] } });
      expect(got.status).toBe(200);
      expect(Buffer.compare(got.body as Buffer, bytes)).toBe(0);
    }
  });

  it("lists a table page by page", async () => {
    for (let i = 0; i < 7; i++) await kw.user("PUT", `environments/${env}/records/paged/p${i}`, { i });
    const seen = new Set<number>();
    let url = `environments/${env}/records/paged?top=3`;
    for (;;) {
      const page = await kw.user("GET", url);
      expect(page.status).toBe(200);
      for (const r of page.body.value) seen.add(r.value.i);
      if (!page.body.continuationToken) break;
      url = `environments/${env}/records/paged?top=3&continuationToken=${encodeURIComponent(page.body.continuationToken)}`;
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("refuses without a token (401), with the wrong role (403), bad ids (400), unknown records (404)", async () => {
    expect((await kw.call("GET", `environments/${env}/records/accounts/r10`)).status).toBe(401);
    expect((await kw.call("GET", `environments/${env}/records/accounts/r10`, { as: { oid: PLATFORM_ADMIN, roles: ["Platform.Admin"] } })).status).toBe(403);
    const bad = await kw.user("GET", `environments/${env}/records/accounts/${encodeURIComponent("a\u0001b")}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("InvalidRecordId");
    expect((await kw.user("GET", `environments/bad_id!/records/accounts/x`)).status).toBe(400);
    const missing = await kw.user("GET", `environments/${env}/records/accounts/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("RecordNotFound");
    expect((await kw.user("GET", `environments/no-such-env/records/accounts/x`)).status).toBe(404);
    const malformed = await kw.call("PUT", `environments/${env}/records/accounts/x`, { as: { oid: DATA_USER, roles: ["Environment.User"] }, body: "{not json" });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("InvalidJson");
  });

  it("deletes records and files", async () => {
    expect((await kw.user("DELETE", `environments/${env}/records/accounts/r10`)).status).toBe(204);
    expect((await kw.user("GET", `environments/${env}/records/accounts/r10`)).status).toBe(404);
    expect((await kw.user("DELETE", `environments/${env}/files/docs/sub dir/f1.bin`)).status).toBe(204);
    expect((await kw.user("GET", `environments/${env}/files/docs/sub dir/f1.bin`)).status).toBe(404);
  });
});
