// Input fuzzing of every admin route in routeCatalog: a few thousand requests with odd path
// segments (encoded slashes, unicode, very long, dot segments...), malformed bodies, random query
// strings and headers, all with valid admin tokens. A correct keyward answers each with a 4xx (or,
// for a read naming only things that exist, a 2xx), never a 5xx, never hangs, and changes no
// stored policy, environment, history or licence; every call that reached keyward is audited.
// Two tenants: the fixture is the local tenant's, and about half the requests come from a second
// tenant's admins (with a world of its own), for whom every name of the fixture is another
// tenant's: those are refused (4xx) whatever they ask, every table and container of keyward is
// unchanged for both tenants (audit rows aside), and each call is audited in its caller's tenant.
// The generator is seeded (KEYWARD_FUZZ_SEED, default below) and prints its seed, so a failure
// replays exactly: KEYWARD_FUZZ_SEED=<seed> npx vitest run test/admin/fuzz.test.ts
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward, PLATFORM_ADMIN } from "../support/keyward";
import { routeCatalog, type RouteSpec } from "../../shared/http/route";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { tableClient } from "../../shared/storage/clients";
import { addAndWait, newOid, policyWith, snapshot } from "./support";
import { generateRequests, prng, Rng as SeededRng, type FuzzFixture, type FuzzRequest, type Rng } from "./fuzzInputs";
import { LOCAL_TENANT_ID } from "../../local/issuer";
import { newTenant } from "../tenancy/support/tenants";
import { buildWorld } from "../tenancy/support/world";
import { changes, storageSnapshot } from "../tenancy/support/storageSnapshot";

const SEED = Number(process.env.KEYWARD_FUZZ_SEED ?? 20240605);
const COUNT = Number(process.env.KEYWARD_FUZZ_COUNT ?? 3000);
/** The run stops starting requests after this long (the test then reports how many ran). */
const BUDGET_MS = Number(process.env.KEYWARD_FUZZ_BUDGET_MS ?? 45_000);
const CONCURRENCY = 8;
const REQUEST_TIMEOUT_MS = 15_000;

const FUZZ_KEYS = { oid: newOid(), role: "Keys.Admin" };
const FUZZ_PLATFORM = { oid: newOid(), role: "Platform.Admin" };
/** The second tenant, whose admins fuzz the local tenant's names. */
const OTHER = newTenant("fuzzother");
type CallerTenant = "home" | "other";

let kw: Keyward;
let fixture: FuzzFixture;
const tokens = new Map<string, string>();

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" });
  const p = await policyWith(kw);
  const onPolicy = await kw.environment({ id: "fuzz-on-policy" });
  await addAndWait(kw, p.policy, onPolicy);
  const alone = await kw.environment({ id: "fuzz-alone", managed: false });
  expect((await kw.keysAdmin("PUT", `enterprisePolicies/${p.policy}/readers/${FUZZ_PLATFORM.oid}`)).status).toBe(200);
  const history = await kw.platformAdmin("GET", `environments/${onPolicy}/history`);
  fixture = {
    policy: p.policy, environmentOnPolicy: onPolicy, environmentAlone: alone, operationId: history.body.value[0].operationId,
    readerOid: PLATFORM_ADMIN, vaultId: p.vaultId,
  };
  for (const who of [FUZZ_KEYS, FUZZ_PLATFORM]) tokens.set(`home/${who.role}`, await kw.token(who.oid, [who.role]));
  // The other tenant has a world of its own (policies, environments, data, a backup), so its admins pass every role check.
  await buildWorld(kw, OTHER);
  for (const who of [OTHER.keysAdmin, OTHER.platformAdmin]) tokens.set(`other/${who.roles[0]}`, await kw.stack.token(who.oid, who.roles, undefined, OTHER.tenantId));
}, 240_000);
afterAll(async () => kw?.stop());

interface Outcome {
  request: FuzzRequest;
  caller: CallerTenant;
  status: number;
  requestId?: string;
  error?: string;
  ms: number;
}

function send(r: FuzzRequest, caller: CallerTenant, agent: http.Agent): Promise<Outcome> {
  const started = Date.now();
  const token = tokens.get(`${caller}/${r.role}`)!;
  return new Promise((resolve) => {
    const headers: Record<string, string | string[]> = { ...r.headers, authorization: `Bearer ${token}` };
    if (r.body && !r.chunked) headers["content-length"] = String(r.body.length);
    // Said outright: Node's client frames a GET's or DELETE's body only when told (else it sends
    // the bytes after the headers unframed, which the server must parse as the next request).
    if (r.body && r.chunked) headers["transfer-encoding"] = "chunked";
    let req: http.ClientRequest;
    try {
      req = http.request({ host: "127.0.0.1", port: kw.stack.port, method: r.method, path: r.path, headers, agent });
    } catch (err) {
      // The client itself refused to send it (e.g. a character no request line may carry): not keyward's answer.
      resolve({ request: r, caller, status: 0, error: `client refused: ${(err as Error).message}`, ms: 0 });
      return;
    }
    const timer = setTimeout(() => req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => {
        clearTimeout(timer);
        const id = res.headers["x-ms-request-id"];
        resolve({ request: r, caller, status: res.statusCode ?? 0, requestId: typeof id === "string" ? id : undefined, ms: Date.now() - started });
      });
    });
    req.on("error", (err) => {
      clearTimeout(timer);
      resolve({ request: r, caller, status: -1, error: err.message, ms: Date.now() - started });
    });
    req.end(r.body);
  });
}

function describeOutcome(o: Outcome): string {
  return `#${o.request.index} ${o.request.route} -> ${o.status}${o.error ? ` (${o.error})` : ""} as ${o.caller === "other" ? "the other tenant's " : ""}${o.request.role}${o.request.chunked ? ", chunked" : ""}\n` +
    `   ${o.request.method} ${o.request.path.length > 200 ? `${o.request.path.slice(0, 200)}...` : o.request.path}\n   ${o.request.why.join("; ")}`;
}

describe(`admin API fuzz (seed ${SEED})`, () => {
  it(`answers ${COUNT} malformed requests with 4xx only, changing nothing`, async () => {
    const admin = routeCatalog.filter((r) => r.roles.some((role) => ADMIN_ROLES.includes(role)));
    expect(admin.length).toBeGreaterThanOrEqual(20);
    const role = (spec: RouteSpec, rng: Rng) => rng.pick(spec.roles.filter((x) => ADMIN_ROLES.includes(x)));
    const requests = generateRequests({ seed: SEED, count: COUNT, routes: admin, fixture, role });
    console.log(`admin fuzz: seed ${SEED}, ${requests.length} requests over ${admin.length} admin routes (replay: KEYWARD_FUZZ_SEED=${SEED})`);

    // Who sends each request: the local tenant's admin, or the other tenant's (seeded too).
    const pickCaller = new SeededRng(prng(SEED ^ 0x7e4a));
    // (A PUT that creates, under a fixture name, with a body broken only for an existing one, is a
    // valid create of the other tenant's own: those stay the home tenant's.)
    const creates = new Set(["putEnvironment", "putEnterprisePolicy"]);
    const callers: CallerTenant[] = requests.map((r) => (pickCaller.chance(0.5) && !creates.has(admin.find((x) => `${x.method} ${x.route}` === r.route)!.name) ? "other" : "home"));
    // The fixture's names are another tenant's for the other tenant: naming one can only be refused.
    const mustRefuse = (r: FuzzRequest, caller: CallerTenant) => r.mustRefuse || (caller === "other" && r.why.some((w) => /=existing\(/.test(w)));
    const ns = kw.stack.appSettings.KEYWARD_STATE_PREFIX;
    const everything = () => storageSnapshot({ connectionString: kw.stack.storageConnectionString, namespace: ns, ignore: (k) => k.startsWith(`table|${ns}Audit|`) });

    const before = await snapshot();
    const storedBefore = await everything();
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const outcomes: Outcome[] = [];
    const started = Date.now();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < requests.length && Date.now() - started < BUDGET_MS) {
        const i = next++;
        outcomes.push(await send(requests[i], callers[i], agent));
      }
    }));
    agent.destroy();
    const elapsed = Date.now() - started;

    const byStatus = new Map<number, number>();
    for (const o of outcomes) byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    console.log(`admin fuzz: ${outcomes.length}/${requests.length} requests in ${elapsed} ms (slowest ${slowest} ms); statuses ${JSON.stringify(Object.fromEntries([...byStatus].sort()))}`);

    const bad = outcomes
      .filter((o) => o.error?.startsWith("client refused") !== true)
      .filter((o) => o.status < 200 || o.status >= 500 || (mustRefuse(o.request, o.caller) && o.status < 400) || o.status >= 300 && o.status < 400)
      .sort((a, b) => a.request.index - b.request.index);
    expect(bad.map(describeOutcome).slice(0, 15).join("\n"), `${bad.length} wrong answers (seed ${SEED})`).toBe("");
    // On a loaded machine fewer run in the budget (the log says how many); a few hundred still mean something.
    expect(outcomes.length, "too few requests ran within the budget").toBeGreaterThanOrEqual(Math.min(COUNT, 300));
    const clientRefused = outcomes.filter((o) => o.error?.startsWith("client refused")).length;
    expect(clientRefused, "the generator made requests the client cannot send").toBeLessThan(outcomes.length / 20);

    // Nothing stored changed, of either tenant: not their state, nor a row of any table or container.
    expect(await snapshot()).toEqual(before);
    expect(changes(storedBefore, await everything()), "stored state changed").toEqual([]);
    const fromOther = outcomes.filter((o) => o.caller === "other").length;
    console.log(`admin fuzz: ${fromOther} of them from the other tenant's admins, ${outcomes.filter((o) => o.caller === "other" && o.status >= 400 && o.status < 500).length} refused`);
    expect(fromOther, "the other tenant sent its share").toBeGreaterThan(outcomes.length / 3);

    // Every call that reached keyward (it answered with a request id) is in the audit log, under the fuzz callers.
    const prefix = kw.stack.appSettings.KEYWARD_STATE_PREFIX;
    const audited = new Set<string>();
    // Each caller's calls are audited in its own tenant's partition.
    const partitionOf = new Map([[FUZZ_KEYS.oid, LOCAL_TENANT_ID], [FUZZ_PLATFORM.oid, LOCAL_TENANT_ID], [OTHER.keysAdmin.oid, OTHER.tenantId], [OTHER.platformAdmin.oid, OTHER.tenantId]]);
    for await (const row of tableClient(kw.stack.storageConnectionString, `${prefix}Audit`).listEntities<{ requestId: string; callerOid: string }>()) {
      const tenant = partitionOf.get(row.callerOid);
      if (tenant && row.partitionKey === `tenant|${tenant}`) audited.add(row.requestId);
    }
    const answered = outcomes.filter((o) => o.requestId).map((o) => o.requestId!);
    expect(answered.length).toBeGreaterThan(outcomes.length / 2);
    // Request ids are keyward's own: unique, and never the one a client sent.
    expect(new Set(answered).size).toBe(answered.length);
    expect(answered).not.toContain("spoofed-request-id");
    // (A dot segment may have resolved onto a route that is not audited, such as /api/health.)
    const missing = outcomes.filter((o) => o.requestId && !o.request.reroutes && !audited.has(o.requestId));
    expect(missing.map(describeOutcome).slice(0, 10).join("\n"), `${missing.length} calls not audited`).toBe("");

    // And keyward still answers normally.
    expect((await kw.keysAdmin("GET", `enterprisePolicies/${fixture.policy}`)).status).toBe(200);
  }, 180_000);
});
