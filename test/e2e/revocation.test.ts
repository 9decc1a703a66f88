// The customer revokes the policy's access to the key while the environment's records are being
// re-encrypted (the downtime of an add): the operation ends Failed, the environment Locked (the
// lock rules: a key lost mid-way locks what depends on it), and nothing is lost. Once access is
// restored and the environment unlocked, every record reads back (each ciphertext names its DEK:
// some under the platform DEK, some under the new one), and rerunning the add completes without
// redoing what was done: every row already under the new DEK keeps its ETag.
//
// The revocation lands mid-way because the records step is long next to how fast a revocation
// bites (role assignment deleted -> Event Grid -> probe -> lock, DEK cache dropped -> the next
// page's unwrap is refused): 400 records in pages of 5, one partition at a time. The test checks
// that it did land mid-way (rows under both DEKs at the failure) rather than assuming it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import {
  startAdd, countBy, getEnvironment, getOperation, keyRing, recordPath, recordRows, changedAmong, seedNumbered, verifyAll, waitForOperation,
} from "../support/environments";
import { services } from "../../shared/services";

let kw: Keyward;

beforeAll(async () => {
  kw = await Keyward.start({
    KEYWARD_REENCRYPT_PAGE_SIZE: "5", KEYWARD_REENCRYPT_PARALLELISM: "1",
    KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "3",
  });
});
afterAll(async () => kw?.stop());

describe("revocation mid-encryption", () => {
  it("fails and locks, loses nothing, and a rerun after restoring access finishes without redoing finished work", async () => {
    const { policy, vaultId, principalId, assignmentId } = await kw.customerPolicy();
    const env = await kw.environment();
    const seeded = await seedNumbered(kw, env, 400, 10);
    const platformDek = (await keyRing(env)).activeDekId;

    const operationId = await startAdd(kw, policy, env);
    await kw.until("records step under way", () => getEnvironment(kw, env), (e) => e.encryption.status === "Encrypting" && (e.encryption.progress?.done ?? 0) >= 50, 60_000);
    await kw.revokeAssignment(assignmentId);
    const failed = await waitForOperation(kw, operationId);
    expect(failed.status).toBe("Failed");
    expect(failed.error.message).toMatch(/forbidden|denied|revoked|not authorized|permission/i);
    const failedStep = failed.steps.find((s: { status: string }) => s.status === "Failed");
    expect(failedStep.name).toBe("Re-encrypt records");
    const envFailed = await getEnvironment(kw, env);
    expect(envFailed.state).toBe("Locked");
    expect(envFailed.encryption.lockedReason).toMatch(/access to the key was revoked/); // the probe's words, not the vault's
    expect(envFailed.encryption.status).toBe("Failed");
    expect(envFailed.encryption.activeOperationId).toBeUndefined();
    expect((await kw.user("GET", recordPath(env, 1))).status).toBe(423);
    const history = (await kw.platformAdmin("GET", `environments/${env}/history`)).body.value as { operation: string; status: string }[];
    expect(history.find((h) => h.operation === "Update Customer Managed Key")).toMatchObject({ status: "Failed" });

    // It did fail mid-way: some rows moved to the new DEK, the rest still under the platform DEK.
    const targetDek = (await keyRing(env)).activeDekId;
    const atFailure = await recordRows(env);
    const byDek = countBy(atFailure.values(), (r) => r.dek);
    expect(byDek[targetDek], JSON.stringify(byDek)).toBeGreaterThan(0);
    expect(byDek[platformDek], JSON.stringify(byDek)).toBeGreaterThan(0);
    expect(byDek[targetDek] + byDek[platformDek]).toBe(400);

    // Restore access; the role assignment's event re-probes and unlocks (unlock by hand is the fallback).
    await kw.grantKeyToPolicy(assignmentId, principalId, vaultId);
    await kw.management.flushEvents();
    if ((await getEnvironment(kw, env)).state === "Locked") {
      const unlocked = await kw.platformAdmin("POST", `environments/${env}/unlock`);
      expect([200, 409]).toContain(unlocked.status);
    }
    expect((await getEnvironment(kw, env)).state).toBe("Enabled");
    // Failed is not downtime: everything reads back, from both DEKs.
    await verifyAll(kw, env, seeded);
    // Rerun: the same target DEK, only what was left is rewritten.
    const rerunId = await startAdd(kw, policy, env);
    const rerun = await waitForOperation(kw, rerunId);
    expect(rerun.status, JSON.stringify(rerun)).toBe("Succeeded");
    expect((await getEnvironment(kw, env)).encryption).toMatchObject({ status: "Encrypted", keyType: "CustomerManaged", policy });
    expect((await keyRing(env)).activeDekId).toBe(targetDek);
    const after = await recordRows(env);
    const done = new Map([...atFailure].filter(([, r]) => r.dek === targetDek));
    const left = new Map([...atFailure].filter(([, r]) => r.dek === platformDek));
    expect(after.size).toBe(400);
    expect(changedAmong(done, after)).toBe(0);
    expect(changedAmong(left, after)).toBe(left.size);
    expect(rerun.progress).toMatchObject({ done: 410, total: 410 });
    await verifyAll(kw, env, seeded);
    expect(await services().reencryption.dekUsage(await kw.dataIdOf(env))).toEqual({ records: { [targetDek]: 400 }, files: { [targetDek]: 10 } });
  }, 120_000);

  it("an add whose key cannot wrap fails without locking an environment that does not depend on it yet", async () => {
    // The customer granted the policy's identity a role that reads the key but may not wrap with
    // it: admission (which reads the key) passes, the add's first step fails.
    const { policy, vaultId, principalId, assignmentId } = await kw.customerPolicy();
    await kw.grantKeyToPolicy(assignmentId, principalId, vaultId, "Key Vault Reader");
    const env = await kw.environment();
    const seeded = await seedNumbered(kw, env, 30, 3);
    const ringBefore = await keyRing(env);

    const failed = await waitForOperation(kw, await startAdd(kw, policy, env));
    expect(failed.status).toBe("Failed");
    expect(failed.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(["Prepare key:Failed"]);
    expect(failed.error.code).toBe("ForbiddenByRbac");
    expect(failed.error.message).not.toMatch(/[\r\n]/); // the first line of the vault's message, without its CR
    // Nothing moved, so nothing is locked: the data is all under the platform key, as before.
    expect(await keyRing(env)).toEqual(ringBefore);
    const after = await getEnvironment(kw, env);
    expect(after.state).toBe("Enabled");
    expect(after.encryption).toMatchObject({ status: "Failed", keyType: "PlatformManaged", policy: null, lockedReason: null });
    await kw.stack.runtime.triggerTimer("keyHealthProbe"); // a probe of that key does not lock it either
    expect((await getEnvironment(kw, env)).state).toBe("Enabled");
    await verifyAll(kw, env, seeded);

    // The right role, and the add is simply run again.
    await kw.grantKeyToPolicy(assignmentId, principalId, vaultId);
    const rerun = await waitForOperation(kw, await startAdd(kw, policy, env));
    expect(rerun.status, JSON.stringify(rerun)).toBe("Succeeded");
    expect((await getEnvironment(kw, env)).encryption).toMatchObject({ status: "Encrypted", keyType: "CustomerManaged", policy });
    await verifyAll(kw, env, seeded);
  }, 90_000);
});
