// Revoking the policy's role assignment locks every environment on the policy, through the local
// vault's role assignment event: the data API answers 423 within 2 seconds of the revocation
// (measured). Restoring the assignment unlocks them (ResourceWriteSuccess event); without that
// event, POST unlock probes and unlocks. Each lock and unlock is in the environment's history.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { addToPolicyAndWait, dataStatus, getEnvironment, seedDataset } from "../support/environments";

let kw: Keyward;
let p: Awaited<ReturnType<Keyward["customerPolicy"]>>;
let envs: string[];
let other: string;

/** Polls every environment's data API until each answers `status`; returns ms from `since`. */
async function allAnswer(status: number, since: number, timeoutMs = 10_000): Promise<number> {
  const pending = new Set(envs);
  const deadline = Date.now() + timeoutMs;
  while (pending.size > 0) {
    if (Date.now() > deadline) throw new Error(`still not ${status}: ${[...pending].join(", ")}`);
    const codes = await Promise.all([...pending].map(async (e) => [e, await dataStatus(kw, e)] as const));
    for (const [e, code] of codes) if (code === status) pending.delete(e);
  }
  return Date.now() - since;
}

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2", KEYWARD_DEK_CACHE_TTL_SECONDS: "2" });
  p = await kw.customerPolicy();
  envs = [await kw.environment(), await kw.environment(), await kw.environment({ type: "Sandbox" })];
  other = await kw.environment();
  const q = await kw.customerPolicy();
  await Promise.all([addToPolicyAndWait(kw, p.policy, envs), addToPolicyAndWait(kw, q.policy, [other])]);
  await Promise.all([...envs, other].map((e) => seedDataset(kw, e, { records: 2, files: 0 })));
}, 120_000);
afterAll(async () => kw?.stop());

describe("revoking the policy's access", () => {
  it("locks every environment on the policy within 2 seconds; restoring the assignment unlocks them", async () => {
    for (const e of envs) expect(await dataStatus(kw, e)).toBe(200);
    const revokedAt = Date.now();
    await kw.revokeAssignment(p.assignmentId);
    const lockedAfter = await allAnswer(423, revokedAt);
    console.info(`[measure] revocation -> 423 on ${envs.length} environments: ${lockedAfter} ms`);
    expect(lockedAfter).toBeLessThan(2000);

    for (const e of envs) {
      const env = await getEnvironment(kw, e);
      expect(env.state).toBe("Locked");
      expect(env.encryption.lockedReason).toContain("revoked");
      const locked = await kw.user("GET", `environments/${e}/records/t0/r0`);
      expect(locked.body.error.code).toBe("EnvironmentLocked");
      // The role assignment event did it (the trigger is in the lock's history entry).
      const history = (await kw.platformAdmin("GET", `environments/${e}/history`)).body.value;
      expect(history[0].steps[0].detail).toContain("(Microsoft.Authorization/roleAssignments/delete)");
    }
    // An environment on another policy is untouched.
    expect(await dataStatus(kw, other)).toBe(200);
    expect((await getEnvironment(kw, other)).state).toBe("Enabled");

    const restoredAt = Date.now();
    await kw.grantKeyToPolicy(p.assignmentId, p.principalId, p.vaultId);
    const unlockedAfter = await allAnswer(200, restoredAt);
    console.info(`[measure] re-grant -> 200 on ${envs.length} environments: ${unlockedAfter} ms`);
    for (const e of envs) {
      expect((await getEnvironment(kw, e)).state).toBe("Enabled");
      const history = (await kw.platformAdmin("GET", `environments/${e}/history`)).body.value;
      expect(history.slice(0, 2).map((h: { kind: string }) => h.kind)).toEqual(["Unlock", "Lock"]);
      expect(history[0].steps[0].detail).toContain("(Microsoft.Authorization/roleAssignments/write)");
    }
    const alerts = (await kw.keysAdmin("GET", "alerts")).body.value;
    expect(alerts.some((a: { kind: string; policy?: string }) => a.kind === "KeyAccessLost" && a.policy === p.policy)).toBe(true);
  });

  it("without the restore event, POST unlock probes and unlocks (and refuses while access is still gone)", async () => {
    await kw.revokeAssignment(p.assignmentId);
    await allAnswer(423, Date.now());
    const still = await kw.platformAdmin("POST", `environments/${envs[0]}/unlock`);
    expect(still.status).toBe(409);
    expect(still.body.error.code).toBe("KeyStillInaccessible");

    // Role assignment events stop reaching keyward; the grant comes back unannounced.
    await kw.management.deleteEventSubscription("resources");
    await kw.grantKeyToPolicy(p.assignmentId, p.principalId, p.vaultId);
    for (const e of envs) expect((await getEnvironment(kw, e)).state).toBe("Locked");
    const unlocked = await kw.platformAdmin("POST", `environments/${envs[0]}/unlock`);
    expect(unlocked.status, JSON.stringify(unlocked.body)).toBe(200);
    expect(unlocked.body.state).toBe("Enabled");
    // The probe decides for the policy: every environment on it unlocks.
    for (const e of envs) expect((await getEnvironment(kw, e)).state).toBe("Enabled");
    await allAnswer(200, Date.now());
    expect((await kw.platformAdmin("POST", `environments/${envs[0]}/unlock`)).body.error.code).toBe("EnvironmentNotLocked");
  });
});
