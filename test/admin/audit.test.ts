// The audit log through GET /api/audit: every admin call (succeeded or refused, on every admin
// route) is there with who, what, target, result, when and the request id the caller was given
// in x-ms-request-id; and no token or request body value is stored anywhere in the audit table.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward, KEYS_ADMIN, PLATFORM_ADMIN, DATA_USER, SUBSCRIPTION } from "../support/keyward";
import { routeCatalog } from "../../shared/http/route";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { tableClient } from "../../shared/storage/clients";
import { policyBody } from "./support";

let kw: Keyward;
const MARKER = `secret-${randomUUID()}`;
const VAULT_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-${MARKER.slice(7, 15)}/providers/Microsoft.KeyVault/vaults/audit-vault`;

interface Sent {
  requestId: string;
  oid: string;
  roles: string[];
  operation: string;
  method: string;
  target: string;
  status: number;
  errorCode?: string;
}
const sent: Sent[] = [];
const tokens: string[] = [];

beforeAll(async () => {
  kw = await Keyward.start();
});
afterAll(async () => kw?.stop());

/** Calls a route as `oid` with `roles`, with a token of our own (so the test knows every token sent). */
async function call(operation: string, method: string, route: string, target: string, who: { oid: string; roles: string[] }, body?: unknown) {
  const token = await kw.token(who.oid, who.roles);
  tokens.push(token);
  const res = await kw.call(method, route, { headers: { authorization: `Bearer ${token}` }, body });
  const requestId = res.headers.get("x-ms-request-id");
  expect(requestId, `${method} ${route}`).toBeTruthy();
  sent.push({ requestId: requestId!, oid: who.oid, roles: who.roles, operation, method, target, status: res.status, errorCode: res.body?.error?.code });
  return res;
}

const keys = { oid: KEYS_ADMIN, roles: ["Keys.Admin"] };
const platform = { oid: PLATFORM_ADMIN, roles: ["Platform.Admin"] };

async function auditLog(as = keys): Promise<any[]> {
  const res = await kw.call("GET", "audit?top=1000", { as });
  expect(res.status).toBe(200);
  return res.body.value;
}

describe("the audit log", () => {
  it("has every admin call, succeeded or refused, on every admin route, with who, what, target, result, when and request id", async () => {
    const started = Date.now();
    const policy = "audited";
    // A day's work, with body values the log must not keep.
    expect((await call("putEnterprisePolicy", "PUT", `enterprisePolicies/${policy}`, `enterprisePolicies/${policy}`, keys, policyBody(VAULT_ID, "cmk"))).status).toBe(201);
    expect((await call("grantPolicyReader", "PUT", `enterprisePolicies/${policy}/readers/${PLATFORM_ADMIN}`, `enterprisePolicies/${policy}/readers/${PLATFORM_ADMIN}`, keys)).status).toBe(200);
    expect((await call("putEnvironment", "PUT", "environments/audit-env", "environments/audit-env", platform,
      { displayName: MARKER, region: "europe", type: "Sandbox", managed: false })).status).toBe(201);
    expect((await call("enableManagedEnvironment", "POST", "environments/audit-env/enableManaged", "environments/audit-env/enableManaged", platform)).status).toBe(200);
    expect((await call("putTenantLicenses", "PUT", "tenant/licenses", "tenant/licenses", platform, { subscriptions: [MARKER] })).status).toBe(200);
    expect((await call("listEnvironments", "GET", `environments?policy=${policy}`, "environments", platform)).status).toBe(200);
    // Refusals: bad body, wrong role, a rule.
    expect((await call("putEnvironment", "PUT", "environments/audit-env2", "environments/audit-env2", platform, { displayName: MARKER, region: "mars", type: "Sandbox" })).status).toBe(400);
    expect((await call("deleteEnterprisePolicy", "DELETE", `enterprisePolicies/${policy}`, `enterprisePolicies/${policy}`, platform)).status).toBe(403);
    expect((await call("addEnvironmentsToPolicy", "POST", `enterprisePolicies/${policy}/environments`, `enterprisePolicies/${policy}/environments`, platform,
      { environmentIds: ["audit-env"] })).status).toBe(403); // the licence recorded is not an entitling one

    // Every admin route once, as a role it allows, on names that do not exist (or a bad body).
    const admin = routeCatalog.filter((r) => r.roles.some((role) => ADMIN_ROLES.includes(role)));
    for (const spec of admin) {
      const route = spec.route.replace(/\{\*?(\w+)[^}]*\}/g, (_, p: string) => (p === "objectId" ? "0b0b0b0b-0000-4000-8000-00000000000b" : "missing-1"));
      const role = spec.roles.find((r) => ADMIN_ROLES.includes(r))!;
      const who = role === "Keys.Admin" ? keys : platform;
      const body = spec.method === "GET" || spec.method === "DELETE" ? undefined : { marker: MARKER };
      await call(spec.name, spec.method, route, route, who, body);
    }
    expect(new Set(sent.map((s) => s.operation))).toEqual(new Set(admin.map((s) => s.name)));
    expect(sent.filter((s) => s.status >= 500)).toEqual([]);

    const log = await auditLog();
    for (const s of sent) {
      const entry = log.find((e) => e.requestId === s.requestId);
      expect(entry, `${s.method} ${s.target} (${s.requestId})`).toBeDefined();
      expect(entry).toEqual({
        requestId: s.requestId, callerOid: s.oid, callerRoles: s.roles, operation: s.operation, method: s.method, target: s.target,
        status: s.status, result: s.status < 400 ? "Succeeded" : "Failed", at: expect.any(String), ...(s.errorCode ? { errorCode: s.errorCode } : {}),
      });
      const at = Date.parse(entry.at);
      expect(at).toBeGreaterThanOrEqual(started - 1000);
      expect(at).toBeLessThanOrEqual(Date.now() + 1000);
    }
    // Newest first.
    const times = log.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it("keeps no token and no request body value, in the API's answer or in the table itself", async () => {
    expect(sent.length).toBeGreaterThan(20);
    const prefix = kw.stack.appSettings.KEYWARD_STATE_PREFIX;
    const rows: unknown[] = [];
    for await (const row of tableClient(kw.stack.storageConnectionString, `${prefix}Audit`).listEntities()) rows.push(row);
    expect(rows.length).toBeGreaterThanOrEqual(sent.length);
    for (const stored of [JSON.stringify(rows), JSON.stringify(await auditLog())]) {
      expect(stored).not.toContain(MARKER);
      expect(stored).not.toContain(VAULT_ID);
      expect(stored).not.toContain(MARKER.slice(7, 15));
      for (const token of tokens) {
        const [header, payload, signature] = token.split(".");
        expect(stored).not.toContain(signature);
        expect(stored).not.toContain(payload);
        expect(stored).not.toContain(header);
      }
      expect(stored).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/); // no JWT part of any token
    }
  });

  it("is readable by either admin role, filtered by caller and time, and not by others", async () => {
    const asPlatform = await auditLog(platform);
    expect(asPlatform.some((e) => e.callerOid === KEYS_ADMIN)).toBe(true);
    const mine = await kw.call("GET", `audit?caller=${KEYS_ADMIN}&top=5`, { as: platform });
    expect(mine.body.value).toHaveLength(5);
    expect(mine.body.value.every((e: { callerOid: string }) => e.callerOid === KEYS_ADMIN)).toBe(true);
    const since = new Date().toISOString();
    const marker = await kw.call("GET", "enterprisePolicies/audited", { as: keys });
    const recent = await kw.call("GET", `audit?since=${encodeURIComponent(since)}`, { as: keys });
    expect(recent.body.value.map((e: { requestId: string }) => e.requestId)).toContain(marker.headers.get("x-ms-request-id"));
    expect(recent.body.value.every((e: { at: string }) => e.at >= since)).toBe(true);
    // Reading the log is itself an audited admin call.
    const read = await kw.call("GET", "audit?top=1", { as: keys });
    expect((await auditLog()).map((e) => e.requestId)).toContain(read.headers.get("x-ms-request-id"));

    const user = await kw.call("GET", "audit", { as: { oid: DATA_USER, roles: ["Environment.User"] } });
    expect({ status: user.status, code: user.body.error.code }).toEqual({ status: 403, code: "AuthorizationFailed" });
    for (const top of ["0", "1001", "abc", "1.5"]) expect((await kw.call("GET", `audit?top=${top}`, { as: keys })).status).toBe(400);
    expect((await kw.call("GET", "audit?since=yesterday", { as: keys })).status).toBe(400);
  });
});
