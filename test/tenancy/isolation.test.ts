// Two tenants, A (the victim) and B (the attacker), each with a whole world: policies, an
// Encrypted environment with records, files, a backup and history, another environment, members.
// Every route of the route catalog is aimed at A's names by each of B's callers (Keys.Admin,
// Platform.Admin, Environment.User, and B's environment member), with a request that would
// succeed if the route resolved names outside the caller's tenant (test/tenancy/support/
// routeProbes.ts). Each answer must be 404 exactly as for a missing name (or 403); lists show
// nothing of A; every table and container of keyward is the same before and after, ETag for
// ETag, but for B's own audit rows; and each refusal is audited in B's tenant, none in A's.
// A route added to the catalog without a probe fails the first test; the last tests show that a
// route that looks outside the caller's tenant, to read or to write, fails the suite.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { registerRoute, routeCatalog, type RouteSpec } from "../../shared/http/route";
import { functionsByTrigger, registry } from "../../local/functionsCore";
import { services } from "../../shared/services";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { environmentIdField } from "../../shared/http/inputs";
import { json } from "../../shared/http/responses";
import { environmentSchema } from "../../shared/http/schemas";
import { environmentView } from "../../shared/domain/environmentView";
import { notFound } from "../../shared/errors";
import { CALLERS, callAs, newTenant } from "./support/tenants";
import { buildWorld, type TenantWorld } from "./support/world";
import { routeProbes, uncoveredRoutes, type Probe } from "./support/routeProbes";
import { judgeAll, judgeProbe, report, type ProbeJob } from "./support/crossTenant";
import { changes, storageSnapshot, type StorageSnapshot } from "./support/storageSnapshot";

let kw: Keyward;
let A: TenantWorld;
let B: TenantWorld;
let snap: () => Promise<StorageSnapshot>;

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" });
  A = await buildWorld(kw, newTenant("alpha"));
  B = await buildWorld(kw, newTenant("bravo"));
  // A has alerts too: its key expires in 5 days (the daily expiry check warns, and so does the
  // vault's KeyNearExpiry event: its scan is run now rather than waited for, and both alerts awaited).
  await kw.keyClient(A.policy.vaultName).updateKeyProperties(A.policy.keyName, { expiresOn: new Date(Date.now() + 5 * 86_400_000) });
  await kw.management.scanExpiry();
  await kw.management.flushEvents();
  await kw.stack.runtime.triggerTimer("keyExpiryCheck");
  await kw.until("A's two expiry alerts", async () => (await callAs(kw, A.who.keysAdmin, "GET", "alerts")).body.value as { kind: string }[],
    (alerts) => alerts.filter((x) => x.kind === "KeyNearExpiry").length >= 2, 30_000);
  const ns = kw.stack.appSettings.KEYWARD_STATE_PREFIX;
  // B's own audit rows may grow (its refusals are audited in its tenant); nothing else may change.
  const bAudit = `table|${ns}Audit|tenant|${B.who.tenantId}|`;
  snap = () => storageSnapshot({ connectionString: kw.stack.storageConnectionString, namespace: ns, ignore: (k) => k.startsWith(bAudit) });
}, 300_000);
afterAll(async () => kw?.stop());

function jobs(filter: (p: Probe) => boolean): ProbeJob[] {
  const probes = routeProbes(A, B);
  return routeCatalog.flatMap((spec) => (probes[spec.name] ?? []).filter(filter).flatMap((probe) =>
    (probe.expect === "anonymous" ? (["keysAdmin"] as const) : CALLERS).map((caller) => ({ spec, probe, caller }))));
}

describe("two-tenant isolation, driven by the route catalog", () => {
  it("has a cross-tenant probe for every route of the catalog", () => {
    expect(routeCatalog.length).toBeGreaterThanOrEqual(40);
    expect(uncoveredRoutes(routeCatalog, routeProbes(A, B)), "routes with no probe in test/tenancy/support/routeProbes.ts").toEqual([]);
    // And the catalog is every HTTP function the runtime serves (a function registered around it would escape the probes),
    // but the console's anonymous static files.
    const served = functionsByTrigger("httpTrigger").map((f) => f.name).filter((n) => n !== "consoleStatic").sort();
    expect(served).toEqual(routeCatalog.map((s) => s.name).sort());
  });

  it("answers every route of B's at A's names with 404 as if missing (or 403), shows B nothing of A, changes nothing, audits each refusal in B's tenant", async () => {
    const before = await snap();
    const auditOfA = await services().audit.list(A.who.tenantId, { limit: 1000 });
    // Lists first: B's audit then holds no name of A's that B itself sent.
    const lists = await judgeAll(kw, jobs((p) => p.expect === "ownOnly" || p.expect === "anonymous"), A, B);
    const refusals = await judgeAll(kw, jobs((p) => p.expect === "refused"), A, B);
    const outcomes = [...lists, ...refusals];
    console.log(`isolation: ${outcomes.length} requests (${refusals.length} aimed at A's names, ${lists.length} lists); statuses ` +
      JSON.stringify(outcomes.reduce<Record<string, number>>((m, o) => ({ ...m, [o.status]: (m[o.status] ?? 0) + 1 }), {})));
    expect(report(outcomes)).toBe("");
    expect(refusals.filter((o) => o.status === 404).length, "most probes reach the name lookup").toBeGreaterThan(refusals.length / 3);

    expect(changes(before, await snap()), "stored state changed").toEqual([]);
    expect(await services().audit.list(A.who.tenantId, { limit: 1000 })).toEqual(auditOfA);
    const auditOfB = new Set((await services().audit.list(B.who.tenantId, { limit: 1000 })).map((e) => e.requestId));
    const unaudited = refusals.filter((o) => (o.status === 403 || o.status === 404) && !auditOfB.has(o.requestId!));
    expect(unaudited.map((o) => o.what), "refusals not audited in B's tenant").toEqual([]);
  }, 300_000);

  it("creates B's own resource under A's names, leaving A's untouched", async () => {
    const before = await snap();
    const outcomes = await judgeAll(kw, jobs((p) => p.expect === "createsOwn"), A, B, 1);
    expect(report(outcomes)).toBe("");
    expect(outcomes.filter((o) => o.status === 201).length, "B created a policy and an environment").toBe(2);
    // Every change is B's: rows under B's tenant, B's new environment's key ring, table and container.
    const bEnv = await services().state.forTenant(B.who.tenantId).getEnvironment(A.environment);
    expect(bEnv?.tenantId).toBe(B.who.tenantId);
    const after = await snap();
    // (A table or container is in a snapshot once it holds something.)
    const added = new Set(changes(before, after).filter((c) => c.startsWith("+ ") && c.split("|").length === 2).map((c) => c.slice(2)));
    const notB = changes(before, after).filter((c) => !c.includes(B.who.tenantId) && !c.includes(bEnv!.dataId) && ![...added].some((t) => c.slice(2).startsWith(`${t}|`) || c.slice(2) === t));
    expect(notB, "changes that are not B's").toEqual([]);
    // A still sees its own, as it was.
    const spare = await callAs(kw, A.who.keysAdmin, "GET", `enterprisePolicies/${A.sparePolicy.policy}`);
    expect(spare.body.properties.encryption.keyVault.id).toBe(A.sparePolicy.vaultId);
    const env = await callAs(kw, A.who.platformAdmin, "GET", `environments/${A.environment}`);
    expect(env.body).toMatchObject({ displayName: `Environment ${A.environment}`, encryption: { keyType: "CustomerManaged", policy: A.policy.policy, status: "Encrypted" } });
  }, 120_000);
});

describe("the suite's own teeth", () => {
  const spec = (name: string, method: "GET" | "POST", route: string): RouteSpec => ({
    name, method, route, roles: ADMIN_ROLES, summary: "A route of this test", audit: true, params: { id: environmentIdField() },
    responses: { 200: { description: "The environment.", schema: environmentSchema } },
  });
  /** Finds the environment in any tenant: the bug a route must not have. */
  const anyTenant = async (id: string) => (await services().state.listAllEnvironments()).find((e) => e.id === id && e.tenantId === A.who.tenantId);
  const leakyRead = spec("tenancyTeethLeakyRead", "GET", "tenancyteeth/environments/{id}");
  const leakyWrite = spec("tenancyTeethLeakyWrite", "POST", "tenancyteeth/environments/{id}/touch");

  // Registered together for these tests only (the local server rebuilds its routes when the
  // number of functions changes), removed after them.
  beforeAll(() => {
    registerRoute(leakyRead, (async ({ params }: { params: { id: string } }) => {
      const env = await anyTenant(params.id);
      if (!env) throw notFound("EnvironmentNotFound", `There is no environment '${params.id}'.`, "id");
      return json(200, environmentView(env));
    }) as never);
    registerRoute(leakyWrite, (async ({ params }: { params: { id: string } }) => {
      const env = await anyTenant(params.id);
      if (env) await services().state.forTenant(env.tenantId).updateEnvironment(env.id, (e) => ({ ...e, displayName: `${e.displayName} (touched)` }));
      throw notFound("EnvironmentNotFound", `There is no environment '${params.id}'.`, "id");
    }) as never);
  });
  afterAll(() => {
    for (const name of [leakyRead.name, leakyWrite.name]) {
      registry.functions.delete(name);
      routeCatalog.splice(routeCatalog.findIndex((s) => s.name === name), 1);
    }
  });

  it("fails a route added to the catalog without a probe", () => {
    const added = [...routeCatalog, spec("tenancyTeethUnprobed", "GET", "tenancyteeth/{id}")];
    expect(uncoveredRoutes(added, routeProbes(A, B))).toContain("GET tenancyteeth/{id} (tenancyTeethUnprobed)");
  });

  it("fails a route that reads outside the caller's tenant", async () => {
    const outcome = await judgeProbe(kw, leakyRead, { expect: "refused", params: { id: A.environmentAlone } }, A, B, "platformAdmin");
    expect(outcome.status).toBe(200);
    expect(outcome.violations.join("\n")).toMatch(/not 404 or 403/);
  });

  it("fails a route that writes outside the caller's tenant, even when it answers 404", async () => {
    const before = await snap();
    const outcome = await judgeProbe(kw, leakyWrite, { expect: "refused", params: { id: A.environmentAlone } }, A, B, "platformAdmin");
    // The answer alone looks right (the route's own 404, as for a missing name); the snapshot is what catches it.
    expect(outcome).toMatchObject({ status: 404, code: "EnvironmentNotFound", violations: [] });
    const changed = changes(before, await snap());
    expect(changed).toContain(`~ table|${kw.stack.appSettings.KEYWARD_STATE_PREFIX}Environments|${A.who.tenantId}|${A.environmentAlone}`);
  });
});
