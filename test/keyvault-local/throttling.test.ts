// Per-vault throttling as Azure's service limits state it, seen through the real SDK: key CREATE
// and other key transactions counted per vault per window, weighted by key type and size,
// enforced on their sum; a 429 is not counted; Azure's 429 body with no Retry-After (the SDK then
// does not retry), or Retry-After when asked for (the SDK waits and retries). The vault's clock
// is a manual one, so windows slide only when the test moves it.
import https from "node:https";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { KeyClient } from "@azure/keyvault-keys";
import { AZURE_THROTTLE_LIMITS } from "../../local/keyvault";
import { manualClock, rejectionOf, startHarness, type Harness } from "./harness";

const ADMIN = "throttle-admin";
const THROTTLED_MESSAGE = "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached";
const clock = manualClock();
let h: Harness;
let kc: KeyClient;
let vaultNo = 0;

beforeAll(async () => {
  h = await startHarness({ now: clock.now, behaviour: { throttling: { enabled: true } } });
});
afterAll(async () => h?.close());
// Every test starts with fresh windows: a minute later than the last one looked.
beforeEach(() => clock.advance(60_000));

/** A fresh vault (throttling is per vault) with an administrator client. */
async function freshVault(): Promise<{ name: string; client: KeyClient }> {
  const name = `throttle${++vaultNo}`;
  await h.vaultWithAdmin(name, ADMIN);
  return { name, client: h.keyClient(name, ADMIN) };
}

async function statusesSince(seq: number): Promise<number[]> {
  return (await h.mgmt.requests(seq)).value.map((r) => r.status);
}

function rawCreate(vaultName: string, keyName: string, token: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${h.vault.vaultUrl(vaultName)}/keys/${keyName}/create?api-version=7.6`, {
      method: "POST", agent: h.agent, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(JSON.stringify({ kty: "EC", crv: "P-256" }));
  });
}

describe("key CREATE: 20 software or 10 HSM keys per vault per 10 s", () => {
  it("the 21st software create in the window is answered 429 Throttled with Azure's body and no Retry-After; the SDK does not retry it", async () => {
    const { name, client } = await freshVault();
    for (let i = 0; i < AZURE_THROTTLE_LIMITS.keyCreate.software; i++) await client.createEcKey(`sw-${i}`);
    const seq = (await h.mgmt.requests()).lastSeq;
    const err = await rejectionOf(client.createEcKey("sw-over"));
    expect(err.statusCode).toBe(429);
    expect(err.code).toBe("Throttled");
    expect(err.details?.error?.message).toBe(THROTTLED_MESSAGE);
    expect(await statusesSince(seq)).toEqual([429]);

    const raw = await rawCreate(name, "raw-over", await h.issuer.sign({ oid: ADMIN, audience: "https://vault.azure.net" }));
    expect(raw.status).toBe(429);
    expect(raw.headers["retry-after"]).toBeUndefined();
    expect(JSON.parse(raw.body)).toEqual({ error: { code: "Throttled", message: THROTTLED_MESSAGE } });

    // The window slides: 10 s after the first creates there is room again.
    clock.advance(10_000);
    expect((await client.createEcKey("sw-later")).name).toBe("sw-later");
  });

  it("an HSM create weighs two software creates: 10 EC-HSM creates fill the window; rotate counts as a create", async () => {
    const { client } = await freshVault();
    for (let i = 0; i < 9; i++) await client.createEcKey(`hsm-${i}`, { hsm: true });
    await client.rotateKey("hsm-0");
    expect((await rejectionOf(client.createEcKey("hsm-over", { hsm: true }))).statusCode).toBe(429);
    // Other key transactions have a budget of their own.
    expect((await client.getKey("hsm-0")).name).toBe("hsm-0");
  });

  it("refused requests do not count: the window frees on time however often the client was refused", async () => {
    const { client } = await freshVault();
    for (let i = 0; i < 20; i++) await client.createEcKey(`k-${i}`);
    clock.advance(5_000);
    for (let i = 0; i < 5; i++) expect((await rejectionOf(client.createEcKey(`refused-${i}`))).statusCode).toBe(429);
    clock.advance(5_000);
    expect((await client.createEcKey("after-refusals")).name).toBe("after-refusals");
  });

  it("quotas are per vault: a full vault does not throttle another", async () => {
    const a = await freshVault();
    const b = await freshVault();
    for (let i = 0; i < 20; i++) await a.client.createEcKey(`a-${i}`);
    expect((await rejectionOf(a.client.createEcKey("a-over"))).statusCode).toBe(429);
    expect((await b.client.createEcKey("b-fine")).name).toBe("b-fine");
  });
});

describe("other key transactions: weighted by key type and size, enforced on the sum", () => {
  it("Azure's own example: 248 RSA-4096 HSM GETs and 16 RSA-2048 HSM GETs fill the window; one more GET is refused", async () => {
    const { client } = await freshVault();
    await client.createRsaKey("big", { keySize: 4096, hsm: true });
    await client.createRsaKey("small", { keySize: 2048, hsm: true });
    // 248 * (4000/250) + 16 * (4000/2000) = 3968 + 32 = 4000 units of 4000.
    const gets = [...Array.from({ length: 248 }, () => "big"), ...Array.from({ length: 16 }, () => "small")];
    for (let i = 0; i < gets.length; i += 22) await Promise.all(gets.slice(i, i + 22).map((k) => client.getKey(k)));
    const seq = (await h.mgmt.requests()).lastSeq;
    expect((await rejectionOf(client.getKey("small"))).statusCode).toBe(429);
    expect(await statusesSince(seq)).toEqual([429]);
  });

  it("an unwrap costs what its key kind costs: 250 RSA-4096 HSM operations, the 251st refused", async () => {
    const { client } = await freshVault();
    const key = await client.createRsaKey("hsm4096", { keySize: 4096, hsm: true });
    const seq = (await h.mgmt.requests()).lastSeq;
    // The crypto client's GET of the key and its wrap are two of them (4000/250 = 16 units each).
    const cc = h.cryptoClient(key.id!, ADMIN);
    const wrapped = (await cc.wrapKey("RSA-OAEP-256", Buffer.alloc(32, 7))).result;
    for (let i = 0; i < 248; i += 16) {
      await Promise.all(Array.from({ length: Math.min(16, 248 - i) }, () => cc.unwrapKey("RSA-OAEP-256", wrapped)));
    }
    expect((await rejectionOf(cc.unwrapKey("RSA-OAEP-256", wrapped))).statusCode).toBe(429);
    const statuses = await statusesSince(seq);
    expect(statuses.filter((s) => s === 200)).toHaveLength(250);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe("switches", () => {
  it("retryAfter \"seconds\": Retry-After says when the request fits, and the SDK waits that long and retries", async () => {
    const { name, client } = await freshVault();
    await h.mgmt.setBehaviour({ throttling: { retryAfter: "seconds", windowSeconds: 2 } });
    try {
      for (let i = 0; i < 20; i++) await client.createEcKey(`r-${i}`);
      const raw = await rawCreate(name, "raw-over", await h.issuer.sign({ oid: ADMIN, audience: "https://vault.azure.net" }));
      expect(raw.status).toBe(429);
      expect(raw.headers["retry-after"]).toBe("2");
      // From here the clock runs with real time: the SDK's wait is what frees the window.
      clock.follow();
      const seq = (await h.mgmt.requests()).lastSeq;
      const t0 = Date.now();
      expect((await client.createEcKey("r-waited")).name).toBe("r-waited");
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
      expect(await statusesSince(seq)).toEqual([429, 200]);
    } finally {
      await h.mgmt.setBehaviour({ throttling: { retryAfter: "none", windowSeconds: 10 } });
    }
  });

  it("throttling off: no quota; on again: counting starts afresh", async () => {
    const { client } = await freshVault();
    await h.mgmt.setBehaviour({ throttling: { enabled: false } });
    try {
      for (let i = 0; i < 25; i++) await client.createEcKey(`off-${i}`);
    } finally {
      await h.mgmt.setBehaviour({ throttling: { enabled: true } });
    }
    for (let i = 0; i < 20; i++) await client.createEcKey(`on-${i}`);
    expect((await rejectionOf(client.createEcKey("on-over"))).statusCode).toBe(429);
  });

  it("a managed HSM is not throttled (its limits are not modelled)", async () => {
    const hsm = await h.mgmt.putVault(`throttlehsm${++vaultNo}`, { kind: "managedHsm" });
    await h.mgmt.putRoleAssignment(`hsm-officer-${vaultNo}`, { principalId: ADMIN, roleDefinitionName: "Managed HSM Crypto Officer", scope: hsm.id });
    const client = h.hsmKeyClient(hsm.name, ADMIN);
    for (let i = 0; i < 12; i++) await client.createEcKey(`hsm-${i}`, { hsm: true });
  });

  it("the behaviour API shows Azure's limits and refuses what it cannot use, naming the field", async () => {
    const behaviour = await h.mgmt.behaviour();
    expect(behaviour.throttling).toMatchObject({ enabled: true, windowSeconds: 10, retryAfter: "none", limits: AZURE_THROTTLE_LIMITS });
    expect(behaviour.throttling.limits.keyOther["RSA-3072"]).toEqual({ software: 1000, hsm: 500 });
    const bad = async (patch: unknown) => {
      const res = await h.mgmt.request<{ error: { code: string; message: string } }>("PATCH", "/behaviour", patch);
      expect(res.status).toBe(400);
      return res.body.error.message;
    };
    expect(await bad({ throttling: { retryAfter: "always" } })).toBe('throttling.retryAfter must be one of "none", "seconds", found "always".');
    expect(await bad({ throttling: { limits: { keyOther: { "RSA-1024": { software: 1 } } } } })).toMatch(/^throttling\.limits\.keyOther: unknown field\(s\) RSA-1024/);
    expect(await bad({ throttling: { limits: { keyCreate: { hsm: 0 } } } })).toMatch(/^throttling\.limits\.keyCreate\.hsm must be a number of transactions, at least 1/);
    expect(await bad({ throtling: {} })).toMatch(/^behaviour: unknown field\(s\) throtling/);
    expect((await h.mgmt.behaviour()).throttling.limits).toEqual(AZURE_THROTTLE_LIMITS);
  });

  it("custom limits apply at once", async () => {
    const { client } = await freshVault();
    await h.mgmt.setBehaviour({ throttling: { limits: { keyCreate: { software: 3 } } } });
    try {
      for (let i = 0; i < 3; i++) await client.createEcKey(`c-${i}`);
      expect((await rejectionOf(client.createEcKey("c-over"))).statusCode).toBe(429);
    } finally {
      await h.mgmt.setBehaviour({ throttling: { limits: { keyCreate: { software: 20 } } } });
    }
  });
});
