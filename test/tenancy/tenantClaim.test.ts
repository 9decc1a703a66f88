// The tenant is the verified token's `tid`, and nothing else: a token without one, or with one
// that is not a tenant id, or whose issuer names another tenant than its `tid`, is 401 with
// nothing stored; the case of a tid does not make another tenant; headers naming a tenant are
// ignored. Tokens here are signed with the local issuer's own key (read from its data folder),
// so the one claim under test is the only thing wrong. A 401 is counted per source and hour
// without a principal, and the distinct sources an hour are capped (the source header is the
// caller's to spoof), the rest counted in one overflow row.
import fs from "node:fs";
import path from "node:path";
import { createPrivateKey, randomUUID, type KeyObject } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { Keyward } from "../support/keyward";
import { APP_AUDIENCE } from "../../local/stack";
import { enterprisePolicyBody } from "../../local/embeddedApi";
import { callAs, newTenant, type TenantPrincipals } from "./support/tenants";
import { uniqueName } from "./support/world";
import { snapshotOf } from "./support/stateGuard";
import { changes } from "./support/storageSnapshot";
import { services } from "../../shared/services";
import { AuditLog, OTHER_SOURCES } from "../../shared/state/auditLog";
import { ensuredTable } from "../../shared/storage/clients";

let kw: Keyward;
let key: { kid: string; privateKey: KeyObject };
let A: TenantPrincipals;
let B: TenantPrincipals;
const policy = uniqueName("alpha-claims");
const VAULT = "/subscriptions/00000000-1111-4222-8333-444444444444/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/alphakeys";

beforeAll(async () => {
  kw = await Keyward.start();
  const stored = JSON.parse(fs.readFileSync(path.join(kw.dataDir, "issuer-signing-key.json"), "utf8")) as { kid: string; privateKeyPem: string };
  key = { kid: stored.kid, privateKey: createPrivateKey(stored.privateKeyPem) };
  [A, B] = [newTenant("alpha"), newTenant("bravo")];
  expect((await callAs(kw, A.keysAdmin, "PUT", `enterprisePolicies/${policy}`, enterprisePolicyBody(VAULT, "cmk"))).status).toBe(201);
});
afterAll(async () => kw?.stop());

/** A Keys.Admin token like the local issuer's; `tid` (absent when undefined) and the tenant its iss names, chosen. */
async function token(tid: unknown, issuerTenant: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { oid: randomUUID(), roles: ["Keys.Admin"] };
  if (tid !== undefined) claims.tid = tid;
  return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" })
    .setIssuer(kw.stack.issuer.issuerTemplate.replace("{tenantid}", issuerTenant)).setAudience(APP_AUDIENCE)
    .setIssuedAt(now).setNotBefore(now).setExpirationTime(now + 3600).sign(key.privateKey);
}

const withToken = (t: string, method: string, route: string, headers: Record<string, string> = {}, body?: unknown) =>
  kw.call(method, route, { headers: { authorization: `Bearer ${t}`, ...headers }, ...(body !== undefined ? { body } : {}) });

describe("the tenant is the token's tid", () => {
  it("the control: A's own token, by the same means, reaches A's policy", async () => {
    expect((await withToken(await token(A.tenantId, A.tenantId), "GET", `enterprisePolicies/${policy}`)).status).toBe(200);
  });

  it("401 without a tid, with one that is no tenant id, or with an issuer of another tenant; nothing stored", async () => {
    const snap = snapshotOf(kw);
    const before = await snap();
    const bad: [string, string][] = [
      ["no tid", await token(undefined, A.tenantId)],
      ["tid not a GUID", await token("contoso", A.tenantId)],
      ["tid a number", await token(42, A.tenantId)],
      ["tid B, issuer A's", await token(B.tenantId, A.tenantId)],
      ["tid A, issuer B's", await token(A.tenantId, B.tenantId)],
    ];
    for (const [why, t] of bad) {
      const res = await withToken(t, "PUT", `enterprisePolicies/${uniqueName("claims")}`, {}, enterprisePolicyBody(VAULT, "cmk"));
      expect({ why, status: res.status, code: res.body?.error?.code }).toEqual({ why, status: 401, code: "InvalidToken" });
      expect(JSON.stringify(res.body)).not.toContain(policy);
    }
    // Nothing stored but the per-source count of 401s (no tenant is known for them).
    expect(changes(before, await snap()).filter((c) => !c.includes("|~unauthenticated|"))).toEqual([]);
  });

  it("the tid's case names the same tenant, not another", async () => {
    const upper = A.tenantId.toUpperCase();
    expect((await withToken(await token(upper, upper), "GET", `enterprisePolicies/${policy}`)).status).toBe(200);
  });

  it("headers naming a tenant change nothing: B's token stays B's", async () => {
    const t = await token(B.tenantId, B.tenantId);
    for (const header of ["x-ms-tenant-id", "x-ms-client-tenant-id", "x-tenant-id", "tid", "x-ms-home-tenant-id"]) {
      const res = await withToken(t, "GET", `enterprisePolicies/${policy}`, { [header]: A.tenantId });
      expect({ header, status: res.status, code: res.body?.error?.code }).toEqual({ header, status: 404, code: "PolicyNotFound" });
    }
    expect((await withToken(t, "GET", "enterprisePolicies", { "x-ms-tenant-id": A.tenantId })).body.value).toEqual([]);
  });
});

describe("401s are counted per source, the sources bounded", () => {
  const countOf = async (source: string) =>
    (await services().audit.unauthenticatedCounts()).filter((c) => c.source === source).reduce((n, c) => n + c.count, 0);

  it("each 401 adds one to its source's count (the first X-Forwarded-For value), with no principal or tenant recorded", async () => {
    const source = `198.51.100.${1 + Math.floor(Math.random() * 250)}`;
    const before = await countOf(source);
    const noTid = await token(undefined, A.tenantId);
    for (const headers of [{ authorization: `Bearer ${noTid}` }, { authorization: "Bearer not-a-jwt" }, {}] as Record<string, string>[]) {
      const res = await kw.call("GET", "enterprisePolicies", { headers: { ...headers, "x-forwarded-for": `${source}, 10.0.0.1` }, as: null });
      expect(res.status).toBe(401);
    }
    expect(await countOf(source)).toBe(before + 3);
    expect(await countOf("10.0.0.1")).toBe(0);
    const rows = (await services().audit.unauthenticatedCounts()).filter((c) => c.source === source);
    expect(JSON.stringify(rows)).not.toMatch(new RegExp(`${A.tenantId}|Keys.Admin`));
  });

  it("a caller spoofing a new source per call gets at most maxSourcesPerHour rows an hour; the rest land in the overflow row, every call counted", async () => {
    const table = `${kw.stack.appSettings.KEYWARD_STATE_PREFIX}Audit`;
    const log = new AuditLog(() => ensuredTable(kw.stack.storageConnectionString, table), { maxSourcesPerHour: 5 });
    // Hours of their own (years back), so nothing else this keyward counts falls in them.
    const hour = new Date("2001-02-03T04:05:06Z");
    for (let i = 0; i < 12; i++) await log.countUnauthenticated(`203.0.113.${i}`, "InvalidToken", hour);
    await log.countUnauthenticated("203.0.113.0", "InvalidToken", hour); // an admitted source keeps its own row
    await log.countUnauthenticated("203.0.113.11", "InvalidToken", hour); // an overflowed one stays in the overflow
    const inHour = (await log.unauthenticatedCounts()).filter((c) => c.hour === "2001-02-03T04");
    const own = inHour.filter((c) => c.source !== OTHER_SOURCES);
    expect(own.map((c) => c.source).sort()).toEqual(["203.0.113.0", "203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"]);
    expect(own.find((c) => c.source === "203.0.113.0")!.count).toBe(2);
    expect(inHour.find((c) => c.source === OTHER_SOURCES)!.count).toBe(8);
    expect(inHour.reduce((n, c) => n + c.count, 0)).toBe(14);

    // Concurrent callers, each a new source: still at most 5 + 1 rows, and no call lost.
    const busy = new Date("2001-02-03T05:05:06Z");
    await Promise.all(Array.from({ length: 12 }, (_, i) => log.countUnauthenticated(`192.0.2.${i}`, "Unauthorized", busy)));
    const busyRows = (await log.unauthenticatedCounts()).filter((c) => c.hour === "2001-02-03T05");
    expect(busyRows.filter((c) => c.source !== OTHER_SOURCES).length).toBeLessThanOrEqual(5);
    expect(busyRows.length).toBeLessThanOrEqual(6);
    expect(busyRows.reduce((n, c) => n + c.count, 0)).toBe(12);
  });
});
