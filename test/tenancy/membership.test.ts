// Environment.User is needed but not enough: the caller must be a member of the environment.
// In one tenant: a non-member gets 403 EnvironmentAccessDenied and nothing of the data on every
// data route of the catalog; a Read member reads but cannot write; the members of E1 cannot reach
// E2; the environment's creator is not a member. And a removal (or a downgrade to Read) made on
// one instance is honoured within 1 s by a second instance in its own process on the same storage
// (whose data gate serves memberships from a cache: KEYWARD_DATA_MEMBER_CACHE_MS, 500 ms by
// default and capped at 800, shared/state/dataAccessView.ts; the first read just after the
// removal may still be served, which the test logs).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { Keyward } from "../support/keyward";
import { routeCatalog, type RouteSpec } from "../../shared/http/route";
import { Roles } from "../../shared/domain/roles";
import type { Principal } from "../../local/embeddedApi";
import { callAs, newTenant, type TenantPrincipals } from "./support/tenants";
import { uniqueName } from "./support/world";
import { refusedUnchanged } from "./support/stateGuard";
import { SecondInstance } from "./support/secondInstance";

let kw: Keyward;
let T: TenantPrincipals;
let E1: string;
let E2: string;
const reader: Principal = { oid: randomUUID(), roles: ["Environment.User"] };
const ofE2: Principal = { oid: randomUUID(), roles: ["Environment.User"] };
const TABLE = "accounts";
const RECORD = "acct-1";
const FILE = "docs/contract.txt";
const SECRET = "member-only-7c1e";

/** The data routes of the catalog (Environment.User's), each as a request on environment `env`. */
const dataRoutes = (): RouteSpec[] => routeCatalog.filter((s) => s.roles.includes(Roles.EnvironmentUser));
const writes = (s: RouteSpec) => s.method !== "GET";

function dataCall(kw: Keyward, who: Principal, spec: RouteSpec, env: string, base: Keyward | SecondInstance = kw) {
  const path = spec.route.replace("{id}", env).replace("{table}", TABLE).replace("{recordId}", RECORD).replace("{*path}", FILE);
  if (base instanceof SecondInstance) return base.call(who, spec.method, path, spec.name === "putRecord" ? { overwritten: true } : undefined);
  if (spec.name === "putFile") return callAs(kw, who, "PUT", path, undefined, Buffer.from("overwritten"));
  return callAs(kw, who, spec.method, path, spec.name === "putRecord" ? { overwritten: true } : undefined);
}

beforeAll(async () => {
  kw = await Keyward.start();
  T = newTenant("tango");
  for (const p of [reader, ofE2]) p.tenantId = T.tenantId;
  E1 = await kw.api.environment(T.platformAdmin, uniqueName("tango-e1"), { members: [{ objectId: T.member.oid, access: "ReadWrite" }, { objectId: reader.oid, access: "Read" }] });
  E2 = await kw.api.environment(T.platformAdmin, uniqueName("tango-e2"), { members: [{ objectId: ofE2.oid, access: "ReadWrite" }] });
  for (const [env, who] of [[E1, T.member], [E2, ofE2]] as const) {
    expect((await callAs(kw, who, "PUT", `environments/${env}/records/${TABLE}/${RECORD}`, { secret: SECRET })).status).toBe(201);
    expect((await callAs(kw, who, "PUT", `environments/${env}/files/${FILE}`, undefined, Buffer.from(`${SECRET} file`))).status).toBe(200);
  }
}, 180_000);
afterAll(async () => kw?.stop());

describe("environment members", () => {
  it("covers every data route of the catalog", () => {
    expect(dataRoutes().map((s) => s.name).sort()).toEqual(["deleteFile", "deleteRecord", "getFile", "getRecord", "listRecords", "putFile", "putRecord"]);
  });

  it("refuses a non-member of the same tenant on every data route: 403 EnvironmentAccessDenied, nothing of the data, nothing changed", async () => {
    for (const spec of dataRoutes()) {
      const res = await refusedUnchanged(kw, T.tenantId, () => dataCall(kw, T.user, spec, E1), 403, "EnvironmentAccessDenied");
      expect(JSON.stringify(res.body), spec.name).not.toContain(SECRET);
      expect(res.body.error.message, spec.name).toMatch(/not a member .*Ask a platform administrator/);
    }
  });

  it("lets a Read member read and refuses its every write", async () => {
    for (const spec of dataRoutes()) {
      if (writes(spec)) {
        const res = await refusedUnchanged(kw, T.tenantId, () => dataCall(kw, reader, spec, E1), 403, "EnvironmentAccessDenied");
        expect(res.body.error.message).toMatch(/Read access .* needs ReadWrite/);
      } else {
        const res = await dataCall(kw, reader, spec, E1);
        expect(res.status, `${spec.name}: ${JSON.stringify(res.body)}`).toBe(200);
        expect(Buffer.isBuffer(res.body) ? res.body.toString() : JSON.stringify(res.body)).toContain(SECRET);
      }
    }
  });

  it("keeps E1's members out of E2 of the same tenant, and E2's out of E1", async () => {
    for (const spec of dataRoutes()) {
      await refusedUnchanged(kw, T.tenantId, () => dataCall(kw, T.member, spec, E2), 403, "EnvironmentAccessDenied");
      await refusedUnchanged(kw, T.tenantId, () => dataCall(kw, reader, spec, E2), 403, "EnvironmentAccessDenied");
      await refusedUnchanged(kw, T.tenantId, () => dataCall(kw, ofE2, spec, E1), 403, "EnvironmentAccessDenied");
    }
  });

  it("does not make an environment's creator a member", async () => {
    // A platform admin who is also a data user: creating the environment grants no data access.
    const creator: Principal = { oid: randomUUID(), roles: ["Platform.Admin", "Environment.User"], tenantId: T.tenantId };
    const env = await kw.api.environment(creator, uniqueName("tango-created"));
    expect((await callAs(kw, creator, "GET", `environments/${env}/members`)).body.value).toEqual([]);
    for (const spec of dataRoutes()) await refusedUnchanged(kw, T.tenantId, () => dataCall(kw, creator, spec, env), 403, "EnvironmentAccessDenied");
    // Once it adds itself, as any member, it may.
    expect((await callAs(kw, creator, "PUT", `environments/${env}/members/${creator.oid}`, { access: "ReadWrite" })).status).toBe(201);
    expect((await callAs(kw, creator, "PUT", `environments/${env}/records/${TABLE}/${RECORD}`, { mine: true })).status).toBe(201);
  });

  it("lists the members for the tenant's platform admin and audits each change", async () => {
    const listed = (await callAs(kw, T.platformAdmin, "GET", `environments/${E1}/members`)).body.value;
    expect(listed.map((m: { objectId: string; access: string }) => [m.objectId, m.access]).sort()).toEqual([[T.member.oid, "ReadWrite"], [reader.oid, "Read"]].sort());
    const audit = (await callAs(kw, T.platformAdmin, "GET", `audit?caller=${T.platformAdmin.oid}&top=1000`)).body.value;
    expect(audit.filter((e: { operation: string; target: string }) => e.operation === "putEnvironmentMember" && e.target === `environments/${E1}/members/${reader.oid}`)).toHaveLength(1);
  });
});

describe("a membership change made on one instance, on a second instance", () => {
  let second: SecondInstance;
  beforeAll(async () => { second = await SecondInstance.start(kw); }, 90_000);
  afterAll(async () => second?.stop());

  /** Waits until `ms` after `since`, then runs every data route of `who` on the second instance. */
  async function afterOneSecond(since: number, who: Principal, env: string, which: (s: RouteSpec) => boolean) {
    await new Promise((r) => setTimeout(r, Math.max(0, since + 1000 - Date.now())));
    const out: Record<string, string> = {};
    for (const spec of dataRoutes().filter(which)) {
      const res = await dataCall(kw, who, spec, env, second);
      out[spec.name] = `${res.status} ${res.body?.error?.code ?? ""}`.trim();
    }
    return out;
  }

  it("a removed member is refused on the second instance within 1 s", async () => {
    const member: Principal = { oid: randomUUID(), roles: ["Environment.User"], tenantId: T.tenantId };
    expect((await callAs(kw, T.platformAdmin, "PUT", `environments/${E1}/members/${member.oid}`, { access: "ReadWrite" })).status).toBe(201);
    // The second instance serves the member (and has its key ring, DEKs and everything else warm).
    for (let i = 0; i < 3; i++) expect((await second.call(member, "GET", `environments/${E1}/records/${TABLE}/${RECORD}`)).body.value).toEqual({ secret: SECRET });

    const removed = await callAs(kw, T.platformAdmin, "DELETE", `environments/${E1}/members/${member.oid}`);
    expect(removed.status).toBe(204);
    const at = Date.now();
    const first = await second.call(member, "GET", `environments/${E1}/records/${TABLE}/${RECORD}`);
    console.log(`removed member: the second instance's first read ${Date.now() - at} ms after the removal answered ${first.status}`);
    const later = await afterOneSecond(at, member, E1, () => true);
    expect(later).toEqual(Object.fromEntries(dataRoutes().map((s) => [s.name, "403 EnvironmentAccessDenied"])));
  });

  it("a member turned Read is refused writes on the second instance within 1 s", async () => {
    const member: Principal = { oid: randomUUID(), roles: ["Environment.User"], tenantId: T.tenantId };
    expect((await callAs(kw, T.platformAdmin, "PUT", `environments/${E1}/members/${member.oid}`, { access: "ReadWrite" })).status).toBe(201);
    expect((await second.call(member, "PUT", `environments/${E1}/records/${TABLE}/scratch`, { n: 1 })).status).toBe(201);
    expect((await callAs(kw, T.platformAdmin, "PUT", `environments/${E1}/members/${member.oid}`, { access: "Read" })).status).toBe(200);
    const later = await afterOneSecond(Date.now(), member, E1, () => true);
    expect(later).toEqual(Object.fromEntries(dataRoutes().map((s) => [s.name, writes(s) ? "403 EnvironmentAccessDenied" : "200"])));
  });
});
