// The customer's key itself: disabling it, deleting it and letting it expire each lock the
// environments on its policy; re-enabling, recovering and renewing unlock them. Disabling and
// deleting are found by the key health probe (Key Vault sends no event for them); expiry by the
// vault's KeyExpired event. Expiry is warned of 30, 7 and 1 days ahead by the daily check.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { addToPolicyAndWait, dataStatus, getEnvironment, seedDataset } from "../support/environments";

let kw: Keyward;
let p: Awaited<ReturnType<Keyward["customerPolicy"]>>;
let env: string;
const DAY = 86_400_000;

const probe = () => kw.stack.runtime.triggerTimer("keyHealthProbe");
const keys = () => kw.keyClient(p.vaultName);
const stateOf = async () => (await getEnvironment(kw, env)).state as string;

async function expectLocked(reason: string) {
  await kw.until("locked", () => getEnvironment(kw, env), (e) => e.state === "Locked", 10_000);
  expect((await getEnvironment(kw, env)).encryption.lockedReason).toContain(reason);
  expect(await dataStatus(kw, env)).toBe(423);
}

async function expectServing() {
  expect(await stateOf()).toBe("Enabled");
  expect(await dataStatus(kw, env)).toBe(200);
}

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2", KEYWARD_DEK_CACHE_TTL_SECONDS: "2" });
  p = await kw.customerPolicy();
  env = await kw.environment();
  await addToPolicyAndWait(kw, p.policy, [env]);
  await seedDataset(kw, env, { records: 2, files: 0 });
}, 120_000);
afterAll(async () => kw?.stop());

describe("key lifecycle", () => {
  it("disabling the key locks; re-enabling unlocks", async () => {
    await keys().updateKeyProperties(p.keyName, { enabled: false });
    await probe();
    await expectLocked("disabled");
    await keys().updateKeyProperties(p.keyName, { enabled: true });
    await probe();
    await expectServing();
  });

  it("deleting the key locks; recovering it unlocks", async () => {
    await (await keys().beginDeleteKey(p.keyName, { intervalInMs: 50 })).pollUntilDone();
    await probe();
    await expectLocked("deleted");
    // The version the environment's key ring is under is gone while still needed: the daily check says so.
    await kw.stack.runtime.triggerTimer("keyExpiryCheck");
    const alerts = (await kw.keysAdmin("GET", "alerts")).body.value as { kind: string; policy?: string; message: string }[];
    expect(alerts.some((a) => a.kind === "KeyVersionStillNeeded" && a.policy === p.policy && a.message.includes("was deleted while still needed by environment"))).toBe(true);
    await (await keys().beginRecoverDeletedKey(p.keyName, { intervalInMs: 50 })).pollUntilDone();
    await probe();
    await expectServing();
  });

  it("an expired key locks (KeyExpired event); renewing it and POST unlock unlocks", async () => {
    const published = (await kw.management.events()).length;
    const expiresOn = new Date(Date.now() + 1500);
    await keys().updateKeyProperties(p.keyName, { expiresOn });
    await kw.until("key expired", async () => Date.now(), (t) => t > expiresOn.getTime() + 100, 5000);
    // The vault's expiry scan (run now; its own timer may have run it first) publishes KeyExpired.
    await kw.management.scanExpiry();
    await kw.management.flushEvents();
    const events = (await kw.management.events()).slice(published).map((e) => e.event.eventType);
    expect(events).toContain("Microsoft.KeyVault.KeyExpired");
    await expectLocked("expired");
    const history = (await kw.platformAdmin("GET", `environments/${env}/history`)).body.value;
    expect(history[0].steps[0].detail).toContain("(Microsoft.KeyVault.KeyExpired)");
    await keys().updateKeyProperties(p.keyName, { expiresOn: new Date(Date.now() + 365 * DAY) });
    const res = await kw.platformAdmin("POST", `environments/${env}/unlock`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await expectServing();
    const all = (await kw.platformAdmin("GET", `environments/${env}/history`)).body.value;
    expect(all.filter((h: { kind: string }) => h.kind === "Lock")).toHaveLength(3);
    expect(all.filter((h: { kind: string }) => h.kind === "Unlock")).toHaveLength(3);
  });

  it("warns of expiry 30, 7 and 1 days ahead, once each", async () => {
    const warnings = async () => ((await kw.keysAdmin("GET", "alerts")).body.value as { kind: string; policy?: string; message: string; keyId?: string }[])
      .filter((a) => a.kind === "KeyNearExpiry" && a.policy === p.policy && /within \d+ day/.test(a.message));
    for (const [days, threshold] of [[29.5, 30], [6.5, 7], [0.5, 1]]) {
      await keys().updateKeyProperties(p.keyName, { expiresOn: new Date(Date.now() + days * DAY) });
      await kw.stack.runtime.triggerTimer("keyExpiryCheck");
      await kw.stack.runtime.triggerTimer("keyExpiryCheck"); // once each: the second run adds nothing
      const got = await warnings();
      expect(got.filter((a) => a.message.includes(`within ${threshold} day(s)`)), JSON.stringify(got)).toHaveLength(1);
    }
    expect(await warnings()).toHaveLength(3);
    // Near expiry is a warning, not a lock.
    await expectServing();
  });
});
