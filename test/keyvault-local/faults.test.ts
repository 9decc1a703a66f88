// Fault injection observed through the real SDK: throttling with and without Retry-After,
// server errors, latency and dropped connections; matching by vault, key and operation.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CryptographyClient, KeyClient, KeyVaultKey } from "@azure/keyvault-keys";
import { rejectionOf, startHarness, type Harness } from "./harness";

const ADMIN = "fault-admin";
let h: Harness;
let kc: KeyClient;
let key: KeyVaultKey;
let other: KeyVaultKey;
let cc: CryptographyClient;
const dek = randomBytes(32);
let wrapped: Uint8Array;

beforeAll(async () => {
  h = await startHarness();
  await h.vaultWithAdmin("faultvault", ADMIN);
  await h.vaultWithAdmin("quietvault", ADMIN);
  kc = h.keyClient("faultvault", ADMIN);
  key = await kc.createRsaKey("cmk");
  other = await kc.createRsaKey("other");
  cc = h.cryptoClient(key.id!, ADMIN);
  wrapped = (await cc.wrapKey("RSA-OAEP-256", dek)).result;
});
afterAll(async () => h?.close());

async function unwrapCalls<T>(run: () => Promise<T>): Promise<{ result: T | Error; statuses: number[]; ms: number }> {
  const since = (await h.mgmt.requests()).lastSeq;
  const t0 = Date.now();
  let result: T | Error;
  try { result = await run(); } catch (err) { result = err as Error; }
  const ms = Date.now() - t0;
  const statuses = (await h.mgmt.requests(since)).value.filter((r) => r.operation === "unwrapKey").map((r) => r.status);
  return { result, statuses, ms };
}

const unwrapOk = (r: unknown) => Buffer.from((r as { result: Uint8Array }).result).equals(dek);

describe("status faults", () => {
  it("429 with Retry-After: the SDK waits that long and retries", async () => {
    await h.mgmt.putFault("throttle", { vault: "faultvault", operation: "unwrapKey", status: 429, retryAfterSeconds: 1, count: 1 });
    const { result, statuses, ms } = await unwrapCalls(() => cc.unwrapKey("RSA-OAEP-256", wrapped));
    expect(unwrapOk(result)).toBe(true);
    expect(statuses).toEqual([429, 200]);
    expect(ms).toBeGreaterThanOrEqual(950);
    expect((await h.mgmt.faults()).find((f) => f.id === "throttle")).toMatchObject({ hits: 1, remaining: 0 });
  });

  it("429 without Retry-After: the SDK does not retry and surfaces Throttled", async () => {
    await h.mgmt.putFault("throttle", { operation: "unwrapKey", status: 429, count: 1 });
    const { result, statuses } = await unwrapCalls(() => cc.unwrapKey("RSA-OAEP-256", wrapped));
    const err = result as Error & { statusCode?: number; code?: string; details?: { error?: { message?: string } } };
    expect(err.statusCode).toBe(429);
    expect(err.code).toBe("Throttled");
    expect(err.details?.error?.message).toBe("Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached");
    expect(statuses).toEqual([429]);
  });

  it("500: retried with backoff; a persistent 500 surfaces after maxRetries", async () => {
    await h.mgmt.putFault("boom", { key: "cmk", operation: "unwrapKey", status: 500, count: 2 });
    const once = await unwrapCalls(() => cc.unwrapKey("RSA-OAEP-256", wrapped));
    expect(unwrapOk(once.result)).toBe(true);
    expect(once.statuses).toEqual([500, 500, 200]);

    await h.mgmt.putFault("boom", { key: "cmk", operation: "unwrapKey", status: 500 });
    const always = await unwrapCalls(() => cc.unwrapKey("RSA-OAEP-256", wrapped));
    const err = always.result as Error & { statusCode?: number; code?: string };
    expect(err.statusCode).toBe(500);
    expect(err.code).toBe("InternalServerError");
    expect(always.statuses).toEqual([500, 500, 500, 500]); // 1 + the default 3 retries
    await h.mgmt.deleteFault("boom");
  });

  it("503 with Retry-After is retried like throttling", async () => {
    await h.mgmt.putFault("unavailable", { operation: "unwrapKey", status: 503, retryAfterSeconds: 0, count: 1 });
    const { result, statuses } = await unwrapCalls(() => cc.unwrapKey("RSA-OAEP-256", wrapped));
    expect(unwrapOk(result)).toBe(true);
    expect(statuses).toEqual([503, 200]);
  });
});

describe("latency and dropped connections", () => {
  it("latency delays the answer but not its outcome", async () => {
    await h.mgmt.putFault("slow", { operation: "unwrapKey", latencyMs: 400, count: 1 });
    const { result, statuses, ms } = await unwrapCalls(() => cc.unwrapKey("RSA-OAEP-256", wrapped));
    expect(unwrapOk(result)).toBe(true);
    expect(statuses).toEqual([200]);
    expect(ms).toBeGreaterThanOrEqual(400);
  });

  it("latency past the client's timeout shows as an aborted request", async () => {
    await h.mgmt.putFault("slow", { operation: "get", latencyMs: 2000, count: 1 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const err = await rejectionOf(kc.getKey("cmk", { abortSignal: ac.signal }));
    expect(err.name).toBe("AbortError");
    await h.mgmt.deleteFault("slow");
  });

  it("a dropped connection is retried by the SDK; a persistent drop surfaces as ECONNRESET", async () => {
    await h.mgmt.putFault("drop", { operation: "unwrapKey", drop: true, count: 1 });
    const once = await unwrapCalls(() => cc.unwrapKey("RSA-OAEP-256", wrapped));
    expect(unwrapOk(once.result)).toBe(true);
    expect(once.statuses).toEqual([0, 200]);

    await h.mgmt.putFault("drop", { operation: "unwrapKey", drop: true });
    const always = await unwrapCalls(() => cc.unwrapKey("RSA-OAEP-256", wrapped));
    const err = always.result as Error & { code?: string; statusCode?: number };
    expect(err.name).toBe("RestError");
    expect(err.code).toBe("ECONNRESET");
    expect(err.statusCode).toBeUndefined();
    expect(always.statuses).toEqual([0, 0, 0, 0]);
    await h.mgmt.deleteFault("drop");
  });
});

describe("matching", () => {
  it("applies only to the named vault, key and operation, after challenge auth", async () => {
    await h.mgmt.putFault("narrow", { vault: "faultvault", key: "cmk", operation: "unwrapKey", status: 500 });
    try {
      // Other key, other operation, other vault: untouched.
      const otherWrapped = await h.cryptoClient(other.id!, ADMIN).wrapKey("RSA-OAEP-256", dek);
      await h.cryptoClient(other.id!, ADMIN).unwrapKey("RSA-OAEP-256", otherWrapped.result);
      await kc.getKey("cmk");
      const quiet = await h.keyClient("quietvault", ADMIN).createRsaKey("cmk");
      const quietWrapped = await h.cryptoClient(quiet.id!, ADMIN).wrapKey("RSA-OAEP-256", dek);
      await h.cryptoClient(quiet.id!, ADMIN).unwrapKey("RSA-OAEP-256", quietWrapped.result);
      expect((await h.mgmt.faults()).find((f) => f.id === "narrow")?.hits).toBe(0);

      // A fresh client's first call is the unauthenticated challenge: the fault skips it.
      const fresh = h.cryptoClient(key.id!, ADMIN, { retryOptions: { maxRetries: 0 } });
      const since = (await h.mgmt.requests()).lastSeq;
      const err = await rejectionOf(fresh.unwrapKey("RSA-OAEP-256", wrapped));
      expect(err.statusCode).toBe(500);
      const seen = (await h.mgmt.requests(since)).value.map((r) => `${r.operation} ${r.status} ${r.fault ?? "-"}`);
      expect(seen).toEqual(["get 401 -", "get 200 -", "unwrapKey 500 narrow"]);
    } finally {
      await h.mgmt.deleteFault("narrow");
    }
  });

  it("operation '*' hits every operation; deleting the fault ends it", async () => {
    await h.mgmt.putFault("all", { vault: "faultvault", operation: "*", status: 503 });
    const err = await rejectionOf(kc.getKey("cmk"));
    expect(err.statusCode).toBe(503);
    expect(err.code).toBe("ServiceUnavailable");
    const noRetry = h.keyClient("faultvault", ADMIN, { retryOptions: { maxRetries: 0 } });
    expect((await rejectionOf(noRetry.createRsaKey("blocked"))).statusCode).toBe(503);
    await h.mgmt.deleteFault("all");
    expect((await noRetry.getKey("cmk")).name).toBe("cmk");
    // Used-up faults stay listed (remaining 0) so a test can read their hits; a deleted one is gone.
    expect((await h.mgmt.faults()).map((f) => f.id)).not.toContain("all");
  });

  it("validates fault definitions", async () => {
    expect((await h.mgmt.request("PUT", "/faults/bad", {})).status).toBe(400);
    expect((await h.mgmt.request("PUT", "/faults/bad", { status: 200 })).status).toBe(400);
    expect((await h.mgmt.request("PUT", "/faults/bad", { operation: "explode", status: 500 })).status).toBe(400);
    expect((await h.mgmt.request("PUT", "/faults/bad", { drop: true, status: 500 })).status).toBe(400);
    expect((await h.mgmt.request("DELETE", "/faults/bad")).status).toBe(204);
  });
});
