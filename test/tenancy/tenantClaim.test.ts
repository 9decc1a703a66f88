// The tenant is the verified token's `tid`, and nothing else: a token without one, or with one
// that is not a tenant id, or whose issuer names another tenant than its `tid`, is 401 with
// nothing stored; the case of a tid does not make another tenant; headers naming a tenant are
// ignored. Tokens here are signed with the local issuer's own key (read from its data folder),
// so the one claim under test is the only thing wrong.
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
