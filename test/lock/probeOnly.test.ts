// The key health probe on its own, with the timers running (every 2 seconds here) and the vault's
// event subscriptions deleted: revoking access locks the policy's environments within one probe
// interval, restoring it unlocks them. A vault that throttles (429) for a long stretch, probed
// all along, locks nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { addToPolicyAndWait, dataStatus, getEnvironment, seedDataset } from "../support/environments";

const INTERVAL_MS = 2000;
let kw: Keyward;
let p: Awaited<ReturnType<Keyward["customerPolicy"]>>;
let envs: string[];

async function until(status: number, timeoutMs: number): Promise<number> {
  const since = Date.now();
  await kw.until(`every environment answering ${status}`, () => Promise.all(envs.map((e) => dataStatus(kw, e))), (codes) => codes.every((c) => c === status), timeoutMs);
  return Date.now() - since;
}

/** Waits on the environments' state through the admin API, which touches no key (a data read
 * would: its failed unwrap would lock too, and this test is about the probe alone). */
async function untilState(state: string, timeoutMs: number): Promise<number> {
  const since = Date.now();
  await kw.until(`every environment ${state}`, () => Promise.all(envs.map((e) => getEnvironment(kw, e))), (all) => all.every((e) => e.state === state), timeoutMs);
  return Date.now() - since;
}

async function lastHistoryDetail(env: string, kind: string): Promise<string> {
  const history = (await kw.platformAdmin("GET", `environments/${env}/history`)).body.value as { kind: string; steps: { detail?: string }[] }[];
  return history.find((h) => h.kind === kind)?.steps[0]?.detail ?? "";
}

beforeAll(async () => {
  kw = await Keyward.start({
    KEYWARD_KEY_HEALTH_PROBE_SCHEDULE: "*/2 * * * * *", KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2", KEYWARD_DEK_CACHE_TTL_SECONDS: "2",
  }, { timers: true });
  for (const name of ["keyVault", "resources"]) await kw.management.deleteEventSubscription(name);
  p = await kw.customerPolicy();
  envs = [await kw.environment(), await kw.environment()];
  await addToPolicyAndWait(kw, p.policy, envs);
  await Promise.all(envs.map((e) => seedDataset(kw, e, { records: 2, files: 0 })));
}, 120_000);
afterAll(async () => kw?.stop());

describe("the key health probe alone", () => {
  it("locks within one probe interval of a revocation, and unlocks when access is back", async () => {
    const { lastSeq } = await kw.management.requests();
    const eventsBefore = (await kw.management.events()).length;
    await kw.revokeAssignment(p.assignmentId);
    const lockedAfter = await untilState("Locked", 3 * INTERVAL_MS);
    console.info(`[measure] probe only: revocation -> Locked in ${lockedAfter} ms (interval ${INTERVAL_MS} ms)`);
    // One interval, plus the probe's own round trip to the vault.
    expect(lockedAfter).toBeLessThan(INTERVAL_MS + 1000);
    // No event carried it: the deletion was published but delivered nowhere.
    const published = (await kw.management.events()).slice(eventsBefore);
    expect(published.every((e) => e.deliveries.length === 0)).toBe(true);
    // The probe asked the vault as the policy's identity and was refused.
    const refused = (await kw.management.requests(lastSeq)).value.filter((r) => r.principal === p.principalId && r.status === 403);
    expect(refused.length).toBeGreaterThan(0);
    for (const e of envs) {
      expect((await getEnvironment(kw, e)).encryption.lockedReason).toContain("revoked");
      expect(await lastHistoryDetail(e, "Lock")).toContain("(KeyHealthProbe)");
      expect(await dataStatus(kw, e)).toBe(423);
    }

    await kw.grantKeyToPolicy(p.assignmentId, p.principalId, p.vaultId);
    const unlockedAfter = await untilState("Enabled", 3 * INTERVAL_MS);
    console.info(`[measure] probe only: re-grant -> unlocked in ${unlockedAfter} ms`);
    expect(unlockedAfter).toBeLessThan(INTERVAL_MS + 1000);
    for (const e of envs) expect(await lastHistoryDetail(e, "Unlock")).toContain("(KeyHealthProbe)");
    await until(200, 5000);
  });

  it("locks nothing while the vault throttles for a long stretch, though the probe runs throughout", async () => {
    const STRETCH_MS = 20_000;
    const { lastSeq } = await kw.management.requests();
    await kw.management.putFault("throttle", { vault: p.vaultName, status: 429, retryAfterSeconds: 1 });
    const seen = new Set<number>();
    const started = Date.now();
    try {
      while (Date.now() - started < STRETCH_MS) {
        for (const e of envs) {
          seen.add(await dataStatus(kw, e));
          expect((await getEnvironment(kw, e)).state).toBe("Enabled");
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await kw.management.deleteFault("throttle");
    }
    // Reads answered 503 (vault unavailable) once cached keys expired, never 423.
    expect(seen.has(423)).toBe(false);
    expect(seen.has(503)).toBe(true);
    // The probe kept asking all along, and kept being throttled: its getKey calls (retried) fall
    // in most of the stretch's probe intervals.
    const throttled = (await kw.management.requests(lastSeq)).value.filter((r) => r.principal === p.principalId && r.status === 429 && r.operation === "get");
    const intervals = new Set(throttled.map((r) => Math.floor((Date.parse(r.time) - started) / INTERVAL_MS)));
    expect(intervals.size).toBeGreaterThanOrEqual(STRETCH_MS / INTERVAL_MS / 2);
    console.info(`[measure] ${STRETCH_MS} ms of 429s: ${throttled.length} throttled probe calls spread over ${intervals.size} probe intervals, no lock`);
    await until(200, 10_000);
    for (const e of envs) {
      const history = (await kw.platformAdmin("GET", `environments/${e}/history`)).body.value;
      expect(history.filter((h: { kind: string }) => h.kind === "Lock")).toHaveLength(1); // the revocation's only
    }
  });
});
