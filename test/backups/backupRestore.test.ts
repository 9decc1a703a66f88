// Backups, restore and copy end to end: a backup holds ciphertext and wrapped keys only; restore
// into the same environment, or into another on the same customer key (even through another
// policy binding that key), and copy between environments on the same key, read back exactly,
// re-encrypted for the target; across keys both are refused with KeyMismatch. Backups follow the
// key: a removal re-wraps them under the platform key (the customer key's copies kept 30 days),
// a rotation under the new version (the old one kept 28 days); a backup whose only key version
// was disabled is refused naming that version; key usage reports what needs each version.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward, PLATFORM_ADMIN } from "../support/keyward";
import { addToPolicyAndWait, getEnvironment, expectData, MARKER, seedDataset, waitForOperation, type Dataset } from "../support/environments";
import { services } from "../../shared/services";

let kw: Keyward;
let p1: Awaited<ReturnType<Keyward["customerPolicy"]>>;
let p2: Awaited<ReturnType<Keyward["customerPolicy"]>>;
let p1b: string;
const env = { e1: "", e2: "", e3: "", e4: "", e5: "" };
let data1: Dataset;
let backup1 = "";

async function takeBackup(envId: string): Promise<string> {
  const res = await kw.platformAdmin("POST", `environments/${envId}/backups`);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const op = await waitForOperation(kw, res.body.operationId);
  expect(op.status, JSON.stringify(op)).toBe("Succeeded");
  return res.body.backupId as string;
}

async function restore(target: string, source: string, backupId: string) {
  return kw.platformAdmin("POST", `environments/${target}/restore`, { sourceEnvironmentId: source, backupId });
}

async function expectSucceeded(res: { status: number; body: any }) {
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const op = await waitForOperation(kw, res.body.operationId);
  expect(op.status, JSON.stringify(op)).toBe("Succeeded");
  return op;
}

/** DEK ids an environment's stored items are under (from storage). */
async function deksUnder(envId: string): Promise<Set<string>> {
  const usage = await services().reencryption.dekUsage(await kw.dataIdOf(envId));
  return new Set([...Object.keys(usage.records), ...Object.keys(usage.files)]);
}

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_REENCRYPT_PAGE_SIZE: "5", KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" });
  [p1, p2] = await Promise.all([kw.customerPolicy(), kw.customerPolicy()]);
  // A second policy binding the same key in the same vault: "the same customer key".
  p1b = `${p1.policy}b`;
  const created = await kw.keysAdmin("PUT", `enterprisePolicies/${p1b}`, {
    location: "europe", kind: "Encryption", identity: { type: "SystemAssigned" },
    properties: { encryption: { state: "Enabled", keyVault: { id: p1.vaultId, key: { name: p1.keyName } } } },
  });
  expect(created.status).toBe(201);
  await kw.grantKeyToPolicy(`policy-${p1b}`, created.body.identity.principalId, p1.vaultId);
  expect((await kw.keysAdmin("PUT", `enterprisePolicies/${p1b}/readers/${PLATFORM_ADMIN}`)).status).toBe(200);

  for (const k of Object.keys(env) as (keyof typeof env)[]) env[k] = await kw.environment();
  await Promise.all([addToPolicyAndWait(kw, p1.policy, [env.e1, env.e2]), addToPolicyAndWait(kw, p2.policy, [env.e3]), addToPolicyAndWait(kw, p1b, [env.e5])]);
  data1 = await seedDataset(kw, env.e1, { tag: "e1" });
}, 180_000);
afterAll(async () => kw?.stop());

describe("backups", () => {
  it("hold the environment's ciphertext and wrapped DEKs under the versions that wrapped them, never plaintext", async () => {
    backup1 = await takeBackup(env.e1);
    const list = await kw.platformAdmin("GET", `environments/${env.e1}/backups`);
    expect(list.status).toBe(200);
    const b = list.body.value.find((x: { backupId: string }) => x.backupId === backup1);
    expect(b).toMatchObject({ status: "Completed", environmentId: env.e1, items: { records: data1.records.size, files: data1.files.size } });
    const e1 = await getEnvironment(kw, env.e1);
    expect(b.keyVersions).toEqual([{ keyId: e1.encryption.keyId, keyType: "CustomerManaged", policy: p1.policy }]);

    // Storage: the manifest, record segments and file envelopes; nothing readable in any of them.
    const { store } = services().backups;
    const e1Data = await kw.dataIdOf(env.e1);
    const names = await store.blobNamesOf(e1Data);
    expect(names.some((n) => n.endsWith(`${backup1}/manifest.json`))).toBe(true);
    expect(names.filter((n) => n.includes("/files/"))).toHaveLength(data1.files.size);
    for (const name of names) {
      const bytes = Buffer.from((await store.readFile(name)).envelope);
      for (const needle of [MARKER, "docs/f0.txt", `"tag":"e1"`]) expect(bytes.includes(Buffer.from(needle)), `${needle} in ${name}`).toBe(false);
    }
    // The manifest's keys are wrapped copies only: the same as the key ring's.
    const manifest = (await store.readManifest(e1Data, backup1))!.manifest;
    const ring = (await services().backups.context.data.rings.read(e1Data))!;
    expect(manifest.keys.indexKey.wrapped.map((c) => c.wrapped)).toEqual(ring.indexKey.wrapped.map((c) => c.wrapped));
  });

  it("restores into the same environment: changes since the backup are undone", async () => {
    await kw.user("PUT", `environments/${env.e1}/records/t0/r0`, { changed: true });
    await kw.user("DELETE", `environments/${env.e1}/records/t1/r1`);
    await kw.user("PUT", `environments/${env.e1}/records/t0/extra`, { added: true });
    await kw.user("DELETE", `environments/${env.e1}/files/docs/f1.txt`);
    const op = await expectSucceeded(await restore(env.e1, env.e1, backup1));
    expect(op.steps.map((s: { name: string }) => s.name)).toEqual(["Prepare restore", "Restore records", "Restore files", "Replace data"]);
    await expectData(kw, env.e1, data1);
    expect((await kw.user("GET", `environments/${env.e1}/records/t0/extra`)).status).toBe(404);
    const e1 = await getEnvironment(kw, env.e1);
    expect(e1.encryption.activeOperationId).toBeUndefined();
    expect(e1.dataOperation).toBeUndefined();
    const history = (await kw.platformAdmin("GET", `environments/${env.e1}/history`)).body.value;
    expect(history[0]).toMatchObject({ operation: "Restore environment", status: "Succeeded" });
  });

  it("restores into another environment on the same customer key, re-encrypted under the target's keys", async () => {
    await seedDataset(kw, env.e2, { tag: "e2", records: 3, files: 1 });
    await expectSucceeded(await restore(env.e2, env.e1, backup1));
    await expectData(kw, env.e2, data1);
    // Not one item of e2 is under a DEK of e1: it was opened with e1's keys and sealed with e2's.
    const e1Deks = new Set((await services().backups.context.data.rings.read(await kw.dataIdOf(env.e1)))!.deks.map((d) => d.dekId));
    const e2Deks = await deksUnder(env.e2);
    expect(e2Deks.size).toBe(1);
    expect([...e2Deks].filter((d) => e1Deks.has(d))).toEqual([]);
    // Through another policy that binds the same key in the same vault.
    await expectSucceeded(await restore(env.e5, env.e1, backup1));
    await expectData(kw, env.e5, data1);
  });

  it("copies between environments on the same customer key", async () => {
    const data2 = await seedDataset(kw, env.e2, { tag: "copy", records: 4, files: 2 });
    // e2 now holds backup1's data plus data2's; the copy replaces e5's data with exactly that.
    const merged: Dataset = { records: new Map([...data1.records, ...data2.records]), files: new Map([...data1.files, ...data2.files]) };
    const op = await expectSucceeded(await kw.platformAdmin("POST", `environments/${env.e5}/copy`, { sourceEnvironmentId: env.e2 }));
    expect(op.operation).toBe("Copy environment");
    await expectData(kw, env.e5, merged);
  });

  it("refuses restore and copy across keys with 409 KeyMismatch", async () => {
    for (const res of [
      await restore(env.e3, env.e1, backup1), // another customer key
      await restore(env.e4, env.e1, backup1), // the platform key
      await kw.platformAdmin("POST", `environments/${env.e3}/copy`, { sourceEnvironmentId: env.e1 }),
      await kw.platformAdmin("POST", `environments/${env.e4}/copy`, { sourceEnvironmentId: env.e1 }),
      await kw.platformAdmin("POST", `environments/${env.e1}/copy`, { sourceEnvironmentId: env.e4 }),
    ]) {
      expect(res.status, JSON.stringify(res.body)).toBe(409);
      expect(res.body.error.code).toBe("KeyMismatch");
    }
    // Nothing was touched: e3 still has no data, nothing is running.
    expect((await getEnvironment(kw, env.e3)).encryption.activeOperationId).toBeUndefined();
    expect((await kw.platformAdmin("POST", `environments/${env.e1}/copy`, { sourceEnvironmentId: env.e1 })).body.error.code).toBe("SameEnvironment");
    expect((await restore(env.e1, env.e1, "00000000-0000-4000-8000-000000000000")).status).toBe(404);
  });

  it("are operations: one at a time per environment (409 while another runs)", async () => {
    const running = await kw.platformAdmin("POST", `environments/${env.e1}/backups`);
    expect(running.status).toBe(202);
    for (const res of [
      await restore(env.e1, env.e1, backup1),
      await kw.platformAdmin("POST", `environments/${env.e1}/copy`, { sourceEnvironmentId: env.e5 }),
      await kw.platformAdmin("POST", `environments/${env.e1}/reset`),
      await kw.platformAdmin("POST", `environments/${env.e1}/backups`),
    ]) {
      expect(res.status, JSON.stringify(res.body)).toBe(409);
      expect(res.body.error.code).toBe("OperationInProgress");
    }
    expect((await waitForOperation(kw, running.body.operationId)).status).toBe("Succeeded");
    const history = (await kw.platformAdmin("GET", `environments/${env.e1}/history`)).body.value;
    expect(history[0]).toMatchObject({ operation: "Back up environment", status: "Succeeded" });
  });

  it("follow a removal to the platform key, keeping the customer key's copies 30 days", async () => {
    const backup2 = await takeBackup(env.e2);
    const before = (await getEnvironment(kw, env.e2)).encryption.keyId as string;
    const res = await kw.platformAdmin("DELETE", `enterprisePolicies/${p1.policy}/environments/${env.e2}`);
    expect(res.status).toBe(202);
    const op = await waitForOperation(kw, res.body.operations[0].operationId);
    expect(op.status, JSON.stringify(op)).toBe("Succeeded");
    expect(op.steps.find((s: { name: string }) => s.name === "Re-wrap backups")).toMatchObject({ status: "Succeeded" });
    const b = (await kw.platformAdmin("GET", `environments/${env.e2}/backups`)).body.value.find((x: { backupId: string }) => x.backupId === backup2);
    const platform = b.keyVersions.find((v: { keyType: string }) => v.keyType === "PlatformManaged");
    const customer = b.keyVersions.find((v: { keyId: string }) => v.keyId === before);
    expect(platform.retainedUntil).toBeUndefined();
    const days = (Date.parse(customer.retainedUntil) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    // The environment restores its own backup on the platform key.
    await kw.user("DELETE", `environments/${env.e2}/records/t0/r0`);
    await expectSucceeded(await restore(env.e2, env.e2, backup2));
    expect((await kw.user("GET", `environments/${env.e2}/records/t0/r0`)).status).toBe(200);
    // It is no longer on the customer key: e1's backups can't be restored into it.
    expect((await restore(env.e2, env.e1, backup1)).body.error.code).toBe("KeyMismatch");
  });

  it("refuses a backup whose key version was disabled, naming it; follows a rotation; reports key usage", async () => {
    // Events off, so the new version below is not picked up before the old one is disabled.
    await kw.management.deleteEventSubscription("keyVault");
    const backup3 = await takeBackup(env.e1);
    const v1 = (await getEnvironment(kw, env.e1)).encryption.keyId as string;
    const keys = kw.keyClient(p1.vaultName);
    const v2 = (await keys.createRsaKey(p1.keyName, { keySize: 2048, keyOps: ["wrapKey", "unwrapKey"] })).id!;
    await keys.updateKeyProperties(p1.keyName, v1.split("/").pop()!, { enabled: false });

    const refused = await restore(env.e1, env.e1, backup3);
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.error.code).toBe("BackupKeyVersionUnusable");
    expect(refused.body.error.message).toContain(v1);
    expect(refused.body.error.message).toContain("disabled");
    expect((await getEnvironment(kw, env.e1)).encryption.activeOperationId).toBeUndefined();

    // Re-enabled, then rotated: environments and backups move to v2, v1 is kept 28 days.
    await keys.updateKeyProperties(p1.keyName, v1.split("/").pop()!, { enabled: true });
    // While v1 was disabled, e1 needed it: a re-probe (the role events of this test's grants
    // keep the policy watched) may have locked e1, rightly. The next probe finds v1 usable again
    // and unlocks it; without one, whether e1 is locked here would depend on timing.
    await kw.stack.runtime.triggerTimer("keyHealthProbe");
    await kw.until("e1 unlocked", () => getEnvironment(kw, env.e1), (x) => x.state === "Enabled");
    for (const policy of [p1.policy, p1b]) expect((await kw.keysAdmin("POST", `enterprisePolicies/${policy}/rotate`)).status).toBe(202);
    for (const e of [env.e1, env.e5]) await kw.until(`${e} on v2`, () => getEnvironment(kw, e), (x) => x.encryption.keyId === v2);
    const b3 = (await kw.platformAdmin("GET", `environments/${env.e1}/backups`)).body.value.find((x: { backupId: string }) => x.backupId === backup3);
    await kw.until("backup3 follows v2", async () => (await kw.platformAdmin("GET", `environments/${env.e1}/backups`)).body.value.find((x: { backupId: string }) => x.backupId === backup3),
      (x) => x.keyVersions.some((v: { keyId: string; retainedUntil?: string }) => v.keyId === v2 && !v.retainedUntil));
    expect(b3).toBeDefined();

    const usage = (await kw.keysAdmin("GET", `enterprisePolicies/${p1.policy}/keyUsage`)).body;
    const u1 = usage.versions.find((v: { keyId: string }) => v.keyId === v1);
    const u2 = usage.versions.find((v: { keyId: string }) => v.keyId === v2);
    expect(u2).toMatchObject({ inUse: true, stillNeeded: true, earliestSafeDisable: null, enabled: true });
    expect(u2.environments.map((e: { environmentId: string }) => e.environmentId).sort()).toEqual([env.e1, env.e5].sort());
    expect(u1).toMatchObject({ inUse: false, stillNeeded: true, enabled: true, environments: [] });
    expect(u1.backups.map((b: { backupId: string }) => b.backupId)).toEqual(expect.arrayContaining([backup1, backup3]));
    expect(u1.retirements.map((r: { reason: string; environmentId: string }) => `${r.reason}:${r.environmentId}`))
      .toEqual(expect.arrayContaining([`Rotation:${env.e1}`, `Rotation:${env.e5}`, `Removal:${env.e2}`]));
    // The latest rule wins: the removal's 30 days (e2 left v1) outlast the rotation's 28.
    const days = (Date.parse(u1.earliestSafeDisable) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);

    // Disabling v1 now is too early: the daily check raises KeyVersionStillNeeded; the backup still restores (under v2).
    await keys.updateKeyProperties(p1.keyName, v1.split("/").pop()!, { enabled: false });
    await kw.stack.runtime.triggerTimer("keyExpiryCheck");
    const alerts = (await kw.keysAdmin("GET", "alerts")).body.value;
    const alert = alerts.find((a: { kind: string; keyId?: string }) => a.kind === "KeyVersionStillNeeded" && a.keyId === v1);
    expect(alert, JSON.stringify(alerts)).toBeDefined();
    expect(alert.message).toContain("disabled");
    await kw.user("DELETE", `environments/${env.e1}/records/t0/r0`);
    await expectSucceeded(await restore(env.e1, env.e1, backup3));
    await expectData(kw, env.e1, data1);
  });
});
