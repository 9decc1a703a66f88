// A key version an environment still needs is disabled while the key's current version is fine:
// the reference says this takes the environment offline, so keyward locks it (naming the version)
// rather than fail every read with 503, and unlocks it when the version is usable again. Once a
// rotation re-wrapped the environment's keys under the current version, disabling the old one
// changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { waitForOperation } from "../support/environments";

let kw: Keyward;

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" });
});
afterAll(async () => kw?.stop());

async function addAndWait(policy: string, env: string) {
  const add = await kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env] });
  expect(add.status).toBe(202);
  const id = add.body.operations[0].operationId;
  const op = await waitForOperation(kw, id, { timeoutMs: 60_000 });
  expect(op.status).toBe("Succeeded");
}

describe("a needed key version disabled", () => {
  it("locks the environment that still needs it, names the version, and unlocks when it is re-enabled", async () => {
    // No events: the new version must not be picked up by a rotation in this test.
    for (const name of ["keyVault", "resources"]) await kw.management.deleteEventSubscription(name).catch(() => undefined);
    const { policy, vaultName, keyName } = await kw.customerPolicy();
    const env = await kw.environment();
    await kw.user("PUT", `environments/${env}/records/t/r1`, { v: 1 });
    await addAndWait(policy, env);
    const v1 = (await kw.platformAdmin("GET", `environments/${env}`)).body.encryption.keyId as string;

    const keys = kw.keyClient(vaultName);
    await keys.rotateKey(keyName); // v2 is current; the environment's keys are still under v1
    await kw.stack.runtime.triggerTimer("keyHealthProbe");
    expect((await kw.platformAdmin("GET", `environments/${env}`)).body.state).toBe("Enabled");

    await keys.updateKeyProperties(keyName, v1.split("/").pop()!, { enabled: false });
    await kw.stack.runtime.triggerTimer("keyHealthProbe");
    const locked = (await kw.platformAdmin("GET", `environments/${env}`)).body;
    expect(locked.state).toBe("Locked");
    expect(locked.encryption.lockedReason).toContain(v1);
    expect((await kw.user("GET", `environments/${env}/records/t/r1`)).status).toBe(423);
    const alerts = (await kw.platformAdmin("GET", "alerts")).body.value;
    expect(alerts.some((a: { kind: string; environmentId?: string }) => a.kind === "KeyVersionStillNeeded" && a.environmentId === env)).toBe(true);

    await keys.updateKeyProperties(keyName, v1.split("/").pop()!, { enabled: true });
    await kw.stack.runtime.triggerTimer("keyHealthProbe");
    expect((await kw.platformAdmin("GET", `environments/${env}`)).body.state).toBe("Enabled");
    const read = await kw.user("GET", `environments/${env}/records/t/r1`);
    expect(read.status).toBe(200);
    expect(read.body.value).toEqual({ v: 1 });

    // After a rotation re-wrapped everything under v2, v1 is no longer needed by the live data.
    const rotate = await kw.platformAdmin("POST", `enterprisePolicies/${policy}/rotate`);
    expect(rotate.status).toBe(202);
    await kw.until("re-wrapped under v2", async () => (await kw.platformAdmin("GET", `environments/${env}`)).body.encryption.keyId,
      (keyId: string) => keyId !== v1, 60_000);
    await keys.updateKeyProperties(keyName, v1.split("/").pop()!, { enabled: false });
    await kw.stack.runtime.triggerTimer("keyHealthProbe");
    expect((await kw.platformAdmin("GET", `environments/${env}`)).body.state).toBe("Enabled");
    expect((await kw.user("GET", `environments/${env}/records/t/r1`)).status).toBe(200);
  });
});
