// No internal identifier in what a client receives: an error body never names a DEK id, a data
// id (the random name of an environment's storage), a row's or blob's storage key (blind
// indexes) or key material, whatever failed underneath; the exact cause stays on the error as a
// log-only detail. Shown on the error paths that used to leak: a 500 from a row whose DEK does
// not match its ciphertext, the platform vault failing an unwrap, and an operation's error.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TableClient } from "@azure/data-tables";
import { DATA_USER, Keyward } from "../support/keyward";
import { keyRing, recordRows, dataIdIn } from "../support/environments";
import { settings } from "../../shared/settings";
import { storageNaming } from "../../shared/data/naming";
import { withoutInternalIds } from "../../shared/errors";
import { operationView } from "../../shared/domain/operationView";
import { IntegrityError } from "../../shared/crypto/integrityError";
import { PLATFORM_VAULT } from "../../local/platformKey";

const USER = { as: { oid: DATA_USER, roles: ["Environment.User"] } };
let kw: Keyward;

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_DEK_CACHE_TTL_SECONDS: "1" });
});
afterAll(async () => kw?.stop());

/** Every internal identifier of the environment: DEK ids, wrapped DEKs, its data id, its rows' storage keys. */
async function internals(env: string): Promise<string[]> {
  const ring = await keyRing(env);
  const rows = await recordRows(env);
  return [
    await dataIdIn(env),
    ...ring.deks.flatMap((d) => [d.dekId, ...d.wrapped.map((w) => w.wrapped)]),
    ...[...rows.keys()].flatMap((k) => k.split("/")).filter((part) => part.length >= 8),
  ];
}

function expectNone(body: unknown, secrets: string[]): void {
  const text = JSON.stringify(body);
  for (const s of secrets) expect(text, `the body names ${s}`).not.toContain(s);
}

describe("client-visible messages", () => {
  it("a row whose DEK column disagrees with its ciphertext: 500 CiphertextIntegrityFailure naming neither DEK nor row", async () => {
    const env = await kw.environment();
    expect((await kw.call("PUT", `environments/${env}/records/accounts/a1`, { ...USER, body: { n: 1 } })).status).toBe(201);
    const secrets = await internals(env);
    const [key, row] = [...(await recordRows(env))][0];
    const [partitionKey, rowKey] = key.split("/");
    const forged = "Zm9yZ2VkLWRlay1pZC0xMjM"; // a well-formed DEK id the ring does not hold
    const table = TableClient.fromConnectionString(settings().storageConnectionString, storageNaming(settings().statePrefix.toLowerCase()).recordTable(await dataIdIn(env)), { allowInsecureConnection: true });
    await table.updateEntity({ partitionKey, rowKey, dek: forged }, "Merge", { etag: row.etag });

    const got = await kw.call("GET", `environments/${env}/records/accounts/a1`, USER);
    expect(got.status).toBe(500);
    expect(got.body.error.code).toBe("CiphertextIntegrityFailure");
    expect(got.body.error.message).toMatch(/failed its integrity check/);
    expectNone(got.body, [...secrets, forged, partitionKey, rowKey]);
  });

  it("the platform vault failing an unwrap: an error naming no DEK, data id or key material", async () => {
    const env = await kw.environment();
    expect((await kw.call("PUT", `environments/${env}/records/accounts/b1`, { ...USER, body: { n: 2 } })).status).toBe(201);
    const secrets = await internals(env);
    await kw.api.management.putFault("unwrap-fails", { vault: PLATFORM_VAULT, operation: "unwrapKey", status: 500 });
    try {
      await new Promise((r) => setTimeout(r, 1500)); // past the DEK cache's TTL: the next read unwraps
      const got = await kw.call("GET", `environments/${env}/records/accounts/b1`, USER);
      expect(got.status, JSON.stringify(got.body)).toBeGreaterThanOrEqual(500);
      expect(got.body.error.code).toBeTruthy();
      expectNone(got.body, secrets);
    } finally {
      await kw.api.management.deleteFault("unwrap-fails");
    }
  });

  it("an operation's error, whatever composed it, reaches the client without internal identifiers", () => {
    const dekId = "q1w2e3r4t5y6u7i8o9p0aa";
    const dataId = `d${"ab12".repeat(8)}`;
    const view = operationView({
      operationId: "op-1", environmentId: "env-1", operation: "Update Customer Managed Key", kind: "AddToPolicy", status: "Failed",
      startedAt: "2026-01-01T00:00:00Z", steps: [],
      error: { code: "TargetDekNotActive", message: `DEK ${dekId} is not the active DEK of environment ${dataId}; Record row 0003/9f8e7d6c5b4a39281716 kept changing` },
    } as unknown as Parameters<typeof operationView>[0]) as { error: { message: string } };
    expect(view.error.message).not.toContain(dekId);
    expect(view.error.message).not.toContain(dataId);
    expect(view.error.message).not.toContain("9f8e7d6c5b4a39281716");
    expect(view.error.message).toContain("is not the active");
  });

  it("an integrity error keeps the exact cause as a detail, never in its message", () => {
    const err = new IntegrityError("UnknownDek", "Ciphertext names DEK q1w2e3r4t5y6u7i8o9p0aa, which environment d0123 does not have");
    expect(err.message).not.toContain("q1w2e3r4t5y6u7i8o9p0aa");
    expect(err.detail).toContain("q1w2e3r4t5y6u7i8o9p0aa");
    expect(err.toBody().error.message).toBe(err.message);
    expect(withoutInternalIds("File blob files/0001/abcdef0123 says DEK q1w2e3r4t5y6u7i8o9p0aa")).toBe("File blob says a data key");
  });
});
