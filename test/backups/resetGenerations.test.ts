// Reset switches the environment to a fresh storage generation and deletes the old one in bounded
// steps (shared/dataOperations/generations.ts): no record row or file blob of the old generation
// is deleted one by one (its table and container go in one call each), backup blobs go in pages
// of at most RETIRED_BLOBS_PER_PAGE, and the old generation is gone afterwards. A reset whose
// activity fails before the switch leaves the environment on its old generation, intact; a rerun
// finishes and deletes the half-built generation too. One cut short after the switch is finished
// by the rerun as well.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { TableClient } from "@azure/data-tables";
import { BlobClient, ContainerClient } from "@azure/storage-blob";
import { Keyward } from "../support/keyward";
import { addToPolicyAndWait, expectData, getEnvironment, seedDataset, waitForOperation } from "../support/environments";
import { services } from "../../shared/services";
import { LOCAL_TENANT_ID } from "../../local/issuer";
import { generationLeft, NOTHING_LEFT } from "./support/generationLeft";
import { BackupStore } from "../../shared/dataOperations/backupStore";
import { deleteRetiredPage, RETIRED_BLOBS_PER_PAGE } from "../../shared/dataOperations/generations";
import type { Environment } from "../../shared/domain/environment";

let kw: Keyward;

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2", KEYWARD_DEK_CACHE_TTL_SECONDS: "1" });
}, 120_000);
afterAll(async () => kw?.stop());
afterEach(() => vi.restoreAllMocks());

const stateOf = async (env: string): Promise<Environment> => (await services().state.forTenant(LOCAL_TENANT_ID).getEnvironment(env))!;

async function reset(env: string) {
  const res = await kw.platformAdmin("POST", `environments/${env}/reset`);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return waitForOperation(kw, res.body.operationId as string);
}

async function backup(env: string) {
  const b = await kw.platformAdmin("POST", `environments/${env}/backups`);
  expect((await waitForOperation(kw, b.body.operationId)).status).toBe("Succeeded");
}


describe("reset over a fresh generation", () => {
  it("deletes no record row or file blob one by one, backup blobs in bounded pages, and leaves nothing of the old generation", async () => {
    const env = await kw.environment();
    await seedDataset(kw, env, { records: 400, files: 30 });
    await backup(env);
    const old = await kw.dataIdOf(env);
    const before = await generationLeft(old);
    expect(before).toMatchObject({ table: true, container: true, ring: true });
    expect(before.backupBlobs).toBeGreaterThan(30);
    const { naming } = services().backups.context.data;

    const rowDeletes = vi.spyOn(TableClient.prototype, "deleteEntity");
    const tableDeletes = vi.spyOn(TableClient.prototype, "deleteTable");
    const blobDeletes = vi.spyOn(BlobClient.prototype, "deleteIfExists");
    const containerDeletes = vi.spyOn(ContainerClient.prototype, "deleteIfExists");
    const pages = vi.spyOn(BackupStore.prototype, "deletePageOf");

    const op = await reset(env);
    expect(op.status, JSON.stringify(op)).toBe("Succeeded");
    expect(op.steps[0].detail).toMatch(/^1 backup\(s\) deleted; new key ring under /);

    const on = (contexts: unknown[], name: string, key: "tableName" | "containerName") => contexts.filter((c) => (c as Record<string, string>)[key] === name).length;
    expect(on(rowDeletes.mock.contexts, naming.recordTable(old), "tableName")).toBe(0);
    expect(on(tableDeletes.mock.contexts, naming.recordTable(old), "tableName")).toBeGreaterThanOrEqual(1);
    expect(on(blobDeletes.mock.contexts, naming.container(old), "containerName")).toBe(0);
    expect(on(containerDeletes.mock.contexts, naming.container(old), "containerName")).toBeGreaterThanOrEqual(1);
    // Backup blobs: each page deletes at most the bound, and together they deleted them all.
    const deleted = await Promise.all(pages.mock.results.map((r) => r.value as ReturnType<BackupStore["deletePageOf"]>));
    expect(deleted.every((p) => p.deleted <= RETIRED_BLOBS_PER_PAGE)).toBe(true);
    expect(deleted.reduce((n, p) => n + p.deleted, 0)).toBe(before.backupBlobs);

    expect(await generationLeft(old)).toEqual(NOTHING_LEFT);
    const after = await stateOf(env);
    expect(after.dataId).not.toBe(old);
    expect(after.retiredDataIds).toBeUndefined();
    expect(await generationLeft(after.dataId)).toMatchObject({ table: true, container: true, ring: true, backupBlobs: 0 });
    expect((await kw.user("GET", `environments/${env}/records/t0?top=100`)).body.value).toEqual([]);
  }, 180_000);

  it("key usage still names the environment as having left a key version after a reset moved it to a fresh generation", async () => {
    const p = await kw.customerPolicy();
    const env = await kw.environment();
    await addToPolicyAndWait(kw, p.policy, [env]);
    const removal = await kw.platformAdmin("DELETE", `enterprisePolicies/${p.policy}/environments/${env}`);
    expect(removal.status).toBe(202);
    expect((await waitForOperation(kw, removal.body.operations[0].operationId)).status).toBe("Succeeded");
    const leftBy = async () => ((await kw.keysAdmin("GET", `enterprisePolicies/${p.policy}/keyUsage`)).body.versions as { retirements: { environmentId: string; reason: string }[] }[])
      .flatMap((v) => v.retirements).filter((r) => r.environmentId === env);
    expect(await leftBy()).toEqual([expect.objectContaining({ environmentId: env, reason: "Removal" })]);
    const old = await kw.dataIdOf(env);

    expect((await reset(env)).status).toBe("Succeeded");
    const after = await stateOf(env);
    expect(after.dataId).not.toBe(old);
    expect(after.formerDataIds).toEqual([old]);
    expect(await leftBy()).toEqual([expect.objectContaining({ environmentId: env, reason: "Removal" })]);
  }, 120_000);

  it("a page deletes at most the number of blobs it is given, and the pages end", async () => {
    const env = await kw.environment();
    await seedDataset(kw, env, { records: 4, files: 9 });
    await backup(env);
    const dataId = await kw.dataIdOf(env);
    const total = (await generationLeft(dataId)).backupBlobs;
    expect(total).toBeGreaterThan(9);
    const bc = services().backups.context;
    const counts: number[] = [];
    for (let page = 0; page < 20; page++) {
      const done = await deleteRetiredPage(bc, dataId, 4);
      counts.push(done.blobsDeleted);
      if (done.done) break;
    }
    expect(counts.slice(0, -1).every((n) => n === 4)).toBe(true);
    expect(counts.reduce((n, c) => n + c, 0)).toBe(total);
    expect(await generationLeft(dataId)).toEqual(NOTHING_LEFT);
  }, 120_000);

  it("fails before the switch: the environment stays on its old generation, intact; a rerun finishes and deletes the half-built one", async () => {
    const env = await kw.environment();
    const dataset = await seedDataset(kw, env, { records: 20, files: 2 });
    const old = await kw.dataIdOf(env);
    const data = services().data;
    const initialize = data.initialize.bind(data);
    // The fresh generation is built, then every attempt dies before the state row switches.
    const injected = vi.spyOn(data, "initialize").mockImplementation(async (...args) => {
      await initialize(...args);
      throw new Error("injected: the worker died after building the fresh generation");
    });
    const failed = await reset(env);
    expect(failed.status, JSON.stringify(failed)).toBe("Failed");
    expect(injected).toHaveBeenCalledTimes(2);
    injected.mockRestore();

    const stayed = await stateOf(env);
    expect(stayed.dataId).toBe(old);
    expect(stayed.dataOperation).toBeUndefined();
    expect(stayed.retiredDataIds).toHaveLength(1);
    const halfBuilt = stayed.retiredDataIds![0];
    expect(await generationLeft(halfBuilt)).toMatchObject({ table: true, container: true, ring: true });
    await expectData(kw, env, dataset);

    const rerun = await reset(env);
    expect(rerun.status, JSON.stringify(rerun)).toBe("Succeeded");
    const after = await stateOf(env);
    expect([old, halfBuilt]).not.toContain(after.dataId);
    expect(after.retiredDataIds).toBeUndefined();
    expect(await generationLeft(old)).toEqual(NOTHING_LEFT);
    expect(await generationLeft(halfBuilt)).toEqual(NOTHING_LEFT);
    expect((await getEnvironment(kw, env)).encryption).toMatchObject({ keyType: "PlatformManaged", status: "PlatformManaged" });
    expect((await kw.user("GET", `environments/${env}/records/t0/r0`)).status).toBe(404);
  }, 120_000);

  it("cut short after the switch: the environment is on its fresh generation with the old one listed; a rerun deletes it", async () => {
    const env = await kw.environment();
    await seedDataset(kw, env, { records: 10, files: 1 });
    await backup(env);
    const old = await kw.dataIdOf(env);
    const pages = vi.spyOn(BackupStore.prototype, "deletePageOf").mockRejectedValue(new Error("injected: storage refused the delete"));
    const failed = await reset(env);
    expect(failed.status, JSON.stringify(failed)).toBe("Failed");
    expect(failed.error.message).toMatch(/^Delete data and backups failed: .*injected: storage refused the delete/);
    pages.mockRestore();

    const switched = await stateOf(env);
    expect(switched.dataId).not.toBe(old);
    expect(switched.retiredDataIds).toEqual([old]);
    expect(switched.dataOperation).toBeUndefined();
    expect((await generationLeft(old)).backupBlobs).toBeGreaterThan(0);

    const rerun = await reset(env);
    expect(rerun.status, JSON.stringify(rerun)).toBe("Succeeded");
    expect(await generationLeft(old)).toEqual(NOTHING_LEFT);
    expect(await generationLeft(switched.dataId)).toEqual(NOTHING_LEFT);
    expect((await stateOf(env)).retiredDataIds).toBeUndefined();
  }, 120_000);
});
