// The data path caches an environment's state and the caller's membership, and it must still see
// a lock within 2 s and a removed member within 1 s on every instance. Two keyward instances share
// one storage account and one set of state tables: B (a child process, as `npm start` runs) owns
// the environment and serves its data; A (in this process, its own task hub) changes what B has
// cached, as another instance of the app would: it removes the member through its admin API and
// locks the environment as its key health probe would. B is read before each change, so its
// caches hold the old answer when the change lands.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { ChildKeyward } from "../support/childKeyward";
import { Keyward } from "../support/keyward";
import { services } from "../../shared/services";
import { lockEnvironment } from "../../shared/locking/lockState";
import { LOCAL_TENANT_ID } from "../../local/issuer";

let b: ChildKeyward;
let a: Keyward;
let env: string;
let user: string;

/** Reads through B every 20 ms until `status`; the milliseconds from `since` to that answer. */
async function msUntil(status: number, since: number, route: string): Promise<number> {
  for (;;) {
    const res = await b.user("GET", route);
    if (res.status === status) return Date.now() - since;
    if (Date.now() - since > 10_000) throw new Error(`B still answers ${res.status} (${JSON.stringify(res.body)}) 10 s after the change`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  // The settings' defaults, stated so the test shows what it proves: 1,000 ms for state, 500 for members.
  b = await ChildKeyward.start({ KEYWARD_DATA_STATE_CACHE_MS: "1000", KEYWARD_DATA_MEMBER_CACHE_MS: "500" });
  a = await Keyward.start({ KEYWARD_TASK_HUB: `${b.namespace}PeerHub` }, { namespace: b.namespace });
  env = `env-${randomUUID().slice(0, 8)}`;
  user = b.principal("Environment.User");
  const created = await b.platformAdmin("PUT", `environments/${env}`, { displayName: env, region: "europe", type: "Production", managed: true });
  expect(created.status).toBe(201);
  expect((await b.platformAdmin("PUT", `environments/${env}/members/${user}`, { access: "ReadWrite" })).status).toBe(201);
  expect((await b.user("PUT", `environments/${env}/records/t/r1`, { v: 1 })).status).toBe(201);
}, 120_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

describe("data path caches across instances", () => {
  it("refuses a member removed on another instance within 1 s, and serves a new grant at once", async () => {
    const route = `environments/${env}/records/t/r1`;
    for (let i = 0; i < 3; i++) expect((await b.user("GET", route)).status).toBe(200);
    const removed = await a.platformAdmin("DELETE", `environments/${env}/members/${user}`);
    expect(removed.status).toBe(204);
    const since = Date.now();
    const ms = await msUntil(403, since, route);
    expect(ms).toBeLessThan(1000);
    // A refusal is not cached: granted again, the member reads on the next call.
    expect((await a.platformAdmin("PUT", `environments/${env}/members/${user}`, { access: "Read" })).status).toBe(201);
    expect((await b.user("GET", route)).status).toBe(200);
    // And the new, narrower access is the one applied.
    expect((await b.user("PUT", route, { v: 2 })).status).toBe(403);
  });

  it("refuses an environment locked by another instance within 2 s", async () => {
    const route = `environments/${env}/records/t/r1`;
    for (let i = 0; i < 3; i++) expect((await b.user("GET", route)).status).toBe(200);
    const change = await lockEnvironment(services(), LOCAL_TENANT_ID, env, "The test locked it on instance A.", "test");
    expect(change.changed).toBe(true);
    const since = Date.now();
    const ms = await msUntil(423, since, route);
    expect(ms).toBeLessThan(2000);
    const refused = await b.user("GET", route);
    expect(refused.status).toBe(423);
    expect(JSON.stringify(refused.body)).not.toContain("v\":1");
  });
});
