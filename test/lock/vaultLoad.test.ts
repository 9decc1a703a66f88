// Vault load of the lock path and the health route, counted in the local vault's request log:
// a burst of failed data calls is one reconcile (a probe), not one per call, and polling the
// anonymous health route asks the platform vault once per cache period.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { addToPolicyAndWait, dataStatus, seedDataset } from "../support/environments";
import { services } from "../../shared/services";

let kw: Keyward;

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_HEALTH_VAULT_CACHE_SECONDS: "30", KEYWARD_RECONCILE_MIN_INTERVAL_MS: "1000" });
  // No events: the lock here comes from the data path alone.
  for (const name of ["keyVault", "resources"]) await kw.management.deleteEventSubscription(name);
}, 120_000);
afterAll(async () => kw?.stop());

describe("vault load", () => {
  it("a burst of 30 failed data calls reconciles the policy at most twice, and every call sees the lock", async () => {
    const p = await kw.customerPolicy();
    const env = await kw.environment();
    await addToPolicyAndWait(kw, p.policy, [env]);
    await seedDataset(kw, env, { records: 2, files: 0 });
    expect(await dataStatus(kw, env)).toBe(200);

    await kw.revokeAssignment(p.assignmentId);
    await new Promise((r) => setTimeout(r, 2500)); // the DEK cache's TTL (2 s in tests) runs out
    const { lastSeq } = await kw.management.requests();
    const reconcilesBefore = services().reconcileGate.started;
    const statuses = await Promise.all(Array.from({ length: 30 }, () => dataStatus(kw, env)));
    expect(statuses).toEqual(Array(30).fill(423));

    const asPolicy = (await kw.management.requests(lastSeq)).value.filter((r) => r.principal === p.principalId);
    // A reconcile is a probe, and a probe starts with a GET of the key: at most the first run and
    // the one the callers that came during it share. Without the gate it was one per call (30).
    // At most the first run and the one the callers that came during it share; without the gate
    // it was one per call (30), each a probe and a listing of the tenant's environments.
    const reconciles = services().reconcileGate.started - reconcilesBefore;
    console.info(`[measure] 30 failed data calls: ${reconciles} reconcile(s), ${asPolicy.length} vault request(s) as the policy`);
    expect(reconciles).toBeGreaterThanOrEqual(1);
    expect(reconciles).toBeLessThanOrEqual(2);
    // A probe that finds access revoked is one refused GET of the key; the rest of the policy's
    // requests are the data path's refused unwraps (and the SDK's key GET before each).
    expect(asPolicy.length).toBeLessThanOrEqual(2 * reconciles + 2 * 8);
  });

  it("polling the health route asks the platform vault once per cache period", async () => {
    const { lastSeq } = await kw.management.requests();
    for (let i = 0; i < 10; i++) expect((await kw.call("GET", "health")).status).toBe(200);
    const platformGets = (await kw.management.requests(lastSeq)).value.filter((r) => r.key === "platform-kek" && r.operation === "get");
    expect(platformGets.length).toBe(1);
  });
});
