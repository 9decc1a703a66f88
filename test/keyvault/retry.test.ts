import { describe, expect, it } from "vitest";
import { RestError, createHttpHeaders } from "@azure/core-rest-pipeline";
import { KeyAccessError } from "../../shared/keyvault/classify";
import { backoffMs, withKeyVaultRetry, type VaultRetryPolicy } from "../../shared/keyvault/retry";

/** A fake clock: sleep advances it instantly and records every wait. */
function fakeClock(random = 0.5) {
  let t = 1_000_000;
  const waits: number[] = [];
  const policy: Partial<VaultRetryPolicy> = {
    now: () => t,
    sleep: async (ms) => { waits.push(ms); t += ms; },
    random: () => random,
  };
  return { policy, waits, elapsed: () => t - 1_000_000 };
}

function vaultError(status: number, code: string, headers: Record<string, string> = {}): RestError {
  const err = new RestError(`vault says ${code}`, { statusCode: status, code, response: { status, headers: createHttpHeaders(headers), request: undefined as never } });
  (err as RestError & { details: unknown }).details = { error: { code, message: `vault says ${code}` } };
  return err;
}

/** An operation that fails with `errors` in turn, then returns "ok". */
function failing(...errors: unknown[]) {
  let calls = 0;
  const op = async () => {
    calls++;
    if (errors.length) throw errors.shift();
    return "ok";
  };
  return { op, calls: () => calls };
}

describe("withKeyVaultRetry", () => {
  it("retries transient failures with growing, jittered backoff and succeeds", async () => {
    const clock = fakeClock();
    const f = failing(vaultError(503, "ServiceUnavailable"), Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    await expect(withKeyVaultRetry(f.op, { operation: "unwrapKey" }, { ...clock.policy, baseDelayMs: 100 })).resolves.toBe("ok");
    expect(f.calls()).toBe(3);
    // equal jitter with random 0.5: ceiling*0.75
    expect(clock.waits).toEqual([75, 150]);
  });

  it("honours Retry-After exactly (plus at most a little jitter), never earlier", async () => {
    const clock = fakeClock(0);
    const f = failing(vaultError(429, "Throttled", { "retry-after": "2" }));
    await withKeyVaultRetry(f.op, {}, clock.policy);
    expect(clock.waits).toEqual([2000]);
    const clock2 = fakeClock(0.999);
    await withKeyVaultRetry(failing(vaultError(429, "Throttled", { "retry-after": "2" })).op, {}, clock2.policy);
    expect(clock2.waits[0]).toBeGreaterThanOrEqual(2000);
    expect(clock2.waits[0]).toBeLessThanOrEqual(2250);
  });

  it("backs off exponentially on a 429 without Retry-After", async () => {
    const clock = fakeClock(1 - 1e-9);
    const f = failing(vaultError(429, "Throttled"), vaultError(429, "Throttled"), vaultError(429, "Throttled"));
    await withKeyVaultRetry(f.op, {}, { ...clock.policy, baseDelayMs: 100, maxAttempts: 4 });
    expect(clock.waits).toEqual([100, 200, 400]);
  });

  it("is bounded: gives up after maxAttempts, and a 429 stays Transient", async () => {
    const clock = fakeClock();
    const f = failing(...Array.from({ length: 10 }, () => vaultError(429, "Throttled", { "retry-after": "1" })));
    const err = await withKeyVaultRetry(f.op, { keyId: "k" }, { ...clock.policy, maxAttempts: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyAccessError);
    expect(err).toMatchObject({ kind: "Transient", vaultCode: "Throttled", retryAfterMs: 1000 });
    expect(f.calls()).toBe(3);
    expect(clock.waits).toHaveLength(2);
  });

  it("does not wait for a Retry-After beyond the cap: it stops and hands the hint to the caller", async () => {
    const clock = fakeClock();
    const f = failing(vaultError(429, "Throttled", { "retry-after": "120" }));
    const err = await withKeyVaultRetry(f.op, {}, { ...clock.policy, maxRetryAfterMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "Transient", retryAfterMs: 120_000 });
    expect(f.calls()).toBe(1);
    expect(clock.waits).toEqual([]);
  });

  it("stops before exceeding the elapsed-time budget", async () => {
    const clock = fakeClock(1 - 1e-9);
    const f = failing(...Array.from({ length: 10 }, () => vaultError(500, "InternalError")));
    await withKeyVaultRetry(f.op, {}, { ...clock.policy, maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 8000, maxElapsedMs: 5000 }).catch(() => undefined);
    // 1000 + 2000 = 3000; the next (4000) would end at 7000 > 5000.
    expect(clock.waits).toEqual([1000, 2000]);
    expect(clock.elapsed()).toBeLessThanOrEqual(5000);
  });

  it.each([
    ["revoked (403)", vaultError(403, "Forbidden"), "AccessLost"],
    ["deleted (404)", vaultError(404, "KeyNotFound"), "AccessLost"],
    ["bad parameter (400)", vaultError(400, "BadParameter"), "Misconfigured"],
    ["expired, client-side", new Error("Key https://kv1.vault.azure.net/keys/k/v expired at 2020-01-01T00:00:00.000Z"), "AccessLost"],
  ])("never retries %s", async (_name, error, kind) => {
    const clock = fakeClock();
    const f = failing(error);
    const err = await withKeyVaultRetry(f.op, {}, clock.policy).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind });
    expect(f.calls()).toBe(1);
    expect(clock.waits).toEqual([]);
  });

  it("reports each retry", async () => {
    const clock = fakeClock();
    const seen: string[] = [];
    await withKeyVaultRetry(failing(vaultError(503, "Unavailable")).op, {}, { ...clock.policy, onRetry: ({ attempt, error }) => seen.push(`${attempt}:${error.vaultCode}`) });
    expect(seen).toEqual(["1:Unavailable"]);
  });

  it("backoff is capped and never zero", () => {
    for (const r of [0, 0.3, 0.99]) {
      for (let attempt = 1; attempt < 12; attempt++) {
        const d = backoffMs(attempt, { baseDelayMs: 250, maxDelayMs: 4000, random: () => r });
        expect(d).toBeGreaterThanOrEqual(Math.min(4000, 250 * 2 ** (attempt - 1)) / 2);
        expect(d).toBeLessThanOrEqual(4000);
      }
    }
  });

  it("uses real timers by default", async () => {
    const started = Date.now();
    await withKeyVaultRetry(failing(vaultError(503, "Unavailable")).op, {}, { baseDelayMs: 20 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(10);
  });
});
