// Reset end to end: the environment's data and backups are deleted and it returns to the platform
// key with a new key ring; a scan of storage (its records table, its container, the backups
// container, the key ring table) finds nothing of the old data, backups or keys. A locked
// environment can be reset. An environment locked past its deadline is deleted only where
// KEYWARD_DELETE_LOCKED_ENVIRONMENTS allows, the same way.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { addToPolicyAndWait, dataStatus, getEnvironment, seedDataset, waitForOperation } from "../support/environments";
import { services } from "../../shared/services";
import { LOCAL_TENANT_ID } from "../../local/issuer";
import { tableClient, tableServiceClient } from "../../shared/storage/clients";
import { checkLockedTooLong } from "../../shared/alerts/lockedTooLong";

let kw: Keyward;

/** Everything storage holds for an environment (by its data id): record rows, container blobs, backup blobs, the key ring. */
async function storageOf(env: string) {
  const { backups, settings } = services();
  const data = backups.context.data;
  // A reset deletes the old generation's table and container whole: gone is as empty.
  const gone404 = (err: unknown) => {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  };
  const rows: string[] = [];
  await (async () => {
    for await (const e of tableClient(settings.storageConnectionString, data.naming.recordTable(env)).listEntities()) rows.push(`${e.partitionKey}/${e.rowKey}`);
  })().catch(gone404);
  const blobs: string[] = [];
  await (async () => {
    for await (const b of data.files.container(env).listBlobsFlat()) blobs.push(b.name);
  })().catch(gone404);
  const ring = await data.rings.read(env);
  return { rows, blobs, backupBlobs: await backups.store.blobNamesOf(env), ring };
}

async function reset(env: string) {
  const res = await kw.platformAdmin("POST", `environments/${env}/reset`);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.operationId as string;
}

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_REENCRYPT_PAGE_SIZE: "10", KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2", KEYWARD_DEK_CACHE_TTL_SECONDS: "2" });
}, 120_000);
afterAll(async () => {
  delete process.env.KEYWARD_DELETE_LOCKED_ENVIRONMENTS;
  await kw?.stop();
});

describe("reset", () => {
  it("deletes data and backups and returns to the platform key: storage holds nothing of the old", async () => {
    const p = await kw.customerPolicy();
    const env = await kw.environment();
    await addToPolicyAndWait(kw, p.policy, [env]);
    await seedDataset(kw, env);
    for (let i = 0; i < 2; i++) {
      const b = await kw.platformAdmin("POST", `environments/${env}/backups`);
      expect((await waitForOperation(kw, b.body.operationId)).status).toBe("Succeeded");
    }
    const envData = await kw.dataIdOf(env);
    const before = await storageOf(envData);
    expect(before.rows.length).toBeGreaterThan(10);
    expect(before.blobs.length).toBeGreaterThan(3);
    expect(before.backupBlobs.filter((n) => n.endsWith("manifest.json"))).toHaveLength(2);
    const oldDeks = before.ring!.deks.map((d) => d.dekId);
    const oldWrapped = [...before.ring!.deks.flatMap((d) => d.wrapped), ...before.ring!.indexKey.wrapped].map((c) => c.wrapped);

    // The environment is offline (503) while it resets, and serves again after.
    const operationId = await reset(env);
    const seen = new Set<number>();
    const op = await kw.until("reset to end", async () => {
      seen.add(await dataStatus(kw, env));
      return (await kw.platformAdmin("GET", `operations/${operationId}`)).body;
    }, (o) => o.status !== "Running");
    expect(op.status, JSON.stringify(op)).toBe("Succeeded");
    expect(seen.has(503)).toBe(true);
    expect(op.steps.map((s: { name: string }) => s.name)).toEqual(["Delete data and backups", "Wait for caches to expire"]);

    const after = await storageOf(envData);
    expect(after.rows).toEqual([]);
    expect(after.blobs).toEqual([]);
    expect(after.backupBlobs).toEqual([]);
    // The environment moved to a fresh storage generation; the old one is gone whole (table,
    // container, key ring), and no longer listed as left to delete.
    expect(after.ring).toBeUndefined();
    const { backups, settings } = services();
    expect(await backups.context.data.files.container(envData).exists()).toBe(false);
    const tables: string[] = [];
    for await (const t of tableServiceClient(settings.storageConnectionString).listTables()) tables.push(t.name!);
    expect(tables).not.toContain(backups.context.data.naming.recordTable(envData));
    const switched = (await services().state.forTenant(LOCAL_TENANT_ID).getEnvironment(env))!;
    expect(switched.dataId).not.toBe(envData);
    expect(switched.retiredDataIds).toBeUndefined();
    const { ring } = await storageOf(switched.dataId);
    // A new key ring: new DEK, new index key, all under the platform key; nothing of the old ring.
    expect(ring!.deks.map((d) => d.dekId).filter((id) => oldDeks.includes(id))).toEqual([]);
    const copies = [...ring!.deks.flatMap((d) => d.wrapped), ...ring!.indexKey.wrapped];
    expect(copies.every((c) => c.source.kind === "PlatformManaged")).toBe(true);
    expect(copies.filter((c) => oldWrapped.includes(c.wrapped))).toEqual([]);

    const e = await getEnvironment(kw, env);
    expect(e.encryption).toMatchObject({ keyType: "PlatformManaged", status: "PlatformManaged", policy: null });
    expect(e.encryption.keyId).toContain("/keys/platform-kek/");
    expect(e.dataOperation).toBeUndefined();
    expect((await kw.platformAdmin("GET", `environments/${env}/backups`)).body.value).toEqual([]);
    expect((await kw.user("GET", `environments/${env}/records/t0/r0`)).status).toBe(404);
    expect((await kw.user("GET", `environments/${env}/records/t0?top=100`)).body.value).toEqual([]);
    expect((await kw.user("PUT", `environments/${env}/records/t0/new`, { fresh: true })).status).toBe(201);
    expect((await kw.user("GET", `environments/${env}/records/t0/new`)).body.value).toEqual({ fresh: true });
    // Key usage: the customer key's versions are needed by nothing of this environment any more.
    const usage = (await kw.keysAdmin("GET", `enterprisePolicies/${p.policy}/keyUsage`)).body;
    for (const v of usage.versions) {
      expect(v.environments).toEqual([]);
      expect(v.backups).toEqual([]);
    }
  });

  it("resets a locked environment, and deletes one locked past its deadline only where the setting allows", async () => {
    const p = await kw.customerPolicy();
    const [locked, overdue] = [await kw.environment(), await kw.environment({ type: "Sandbox" })];
    await addToPolicyAndWait(kw, p.policy, [locked, overdue]);
    await Promise.all([seedDataset(kw, locked), seedDataset(kw, overdue)]);
    const b = await kw.platformAdmin("POST", `environments/${overdue}/backups`);
    expect((await waitForOperation(kw, b.body.operationId)).status).toBe("Succeeded");
    await kw.revokeAssignment(p.assignmentId);
    for (const env of [locked, overdue]) await kw.until(`${env} locked`, () => getEnvironment(kw, env), (e) => e.state === "Locked");

    const op = await waitForOperation(kw, await reset(locked));
    expect(op.status, JSON.stringify(op)).toBe("Succeeded");
    const e = await getEnvironment(kw, locked);
    expect(e).toMatchObject({ state: "Enabled", encryption: { keyType: "PlatformManaged", policy: null, lockedReason: null } });
    expect(await dataStatus(kw, locked)).toBe(404);

    // Past the sandbox's 7 days: without the setting, an alert and nothing deleted.
    const later = new Date(Date.now() + 8 * 86_400_000);
    await checkLockedTooLong(services(), later);
    expect((await getEnvironment(kw, overdue)).state).toBe("Locked");
    const overdueData = await kw.dataIdOf(overdue);
    expect((await storageOf(overdueData)).rows.length).toBeGreaterThan(0);
    // With it: erased like a reset, and the environment deleted; its history says why.
    process.env.KEYWARD_DELETE_LOCKED_ENVIRONMENTS = "true";
    expect(await checkLockedTooLong(services(), later)).toContain(overdue);
    expect((await kw.platformAdmin("GET", `environments/${overdue}`)).status).toBe(404);
    const gone = await storageOf(overdueData);
    expect(gone).toMatchObject({ rows: [], blobs: [], backupBlobs: [], ring: undefined });
    const history = (await services().state.forTenant(LOCAL_TENANT_ID).listHistory(overdue))[0];
    expect(history).toMatchObject({ operation: "Delete locked environment", status: "Succeeded" });
    const alerts = (await kw.platformAdmin("GET", "alerts")).body.value;
    expect(alerts.some((a: { kind: string; environmentId?: string; message: string }) => a.kind === "LockedTooLong" && a.environmentId === overdue && a.message.includes("was deleted"))).toBe(true);
    // The environment that was reset is not locked, so it stays.
    expect((await getEnvironment(kw, locked)).state).toBe("Enabled");
  });
});
