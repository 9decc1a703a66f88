// Restore and copy write into a fresh storage generation and switch the environment to it
// (shared/dataOperations/generations.ts buildGenerationLike, activities/switchGeneration.ts): no
// record row or file blob of the target is deleted one by one (its old table and container go in
// one call each, after the switch), its backups stay where they are stored and keep working, and
// a failure before the switch leaves the target's data exactly as it was.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { TableClient } from "@azure/data-tables";
import { BlobClient } from "@azure/storage-blob";
import { Keyward } from "../support/keyward";
import { addToPolicyAndWait, expectData, seedDataset, waitForOperation, type Dataset } from "../support/environments";
import { services } from "../../shared/services";
import { LOCAL_TENANT_ID } from "../../local/issuer";
import { generationLeft, NOTHING_LEFT } from "./support/generationLeft";
import { BackupStore } from "../../shared/dataOperations/backupStore";
import { findDek } from "../../shared/crypto/keyRing";
import type { Environment } from "../../shared/domain/environment";

let kw: Keyward;

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2", KEYWARD_DEK_CACHE_TTL_SECONDS: "1" });
}, 120_000);
afterAll(async () => kw?.stop());
afterEach(() => vi.restoreAllMocks());

const stateOf = async (env: string): Promise<Environment> => (await services().state.forTenant(LOCAL_TENANT_ID).getEnvironment(env))!;

async function operation(method: "POST", path: string, body?: unknown) {
  const res = await kw.platformAdmin(method, path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return waitForOperation(kw, res.body.operationId as string, { timeoutMs: 120_000 });
}
const backup = async (env: string): Promise<string> => {
  const res = await kw.platformAdmin("POST", `environments/${env}/backups`);
  expect((await waitForOperation(kw, res.body.operationId)).status).toBe("Succeeded");
  return res.body.backupId as string;
};
const restore = (target: string, source: string, backupId: string) => operation("POST", `environments/${target}/restore`, { sourceEnvironmentId: source, backupId });
const backupIds = async (env: string) => ((await kw.platformAdmin("GET", `environments/${env}/backups`)).body.value as { backupId: string }[]).map((b) => b.backupId);


/** Row and blob deletes aimed at one generation's table and container while `run` runs. */
async function deletesDuring<T>(dataId: string, run: () => Promise<T>): Promise<{ result: T; rows: number; blobs: number }> {
  const { naming } = services().backups.context.data;
  const rowDeletes = vi.spyOn(TableClient.prototype, "deleteEntity");
  const blobDeletes = vi.spyOn(BlobClient.prototype, "deleteIfExists");
  const result = await run();
  const on = (contexts: unknown[], key: string, name: string) => contexts.filter((c) => (c as Record<string, string>)[key] === name).length;
  const counts = { rows: on(rowDeletes.mock.contexts, "tableName", naming.recordTable(dataId)), blobs: on(blobDeletes.mock.contexts, "containerName", naming.container(dataId)) };
  rowDeletes.mockRestore();
  blobDeletes.mockRestore();
  return { result, ...counts };
}

describe("restore and copy over a fresh generation", () => {
  it("restore on a customer key: nothing deleted row by row, the old generation gone, the backups kept and usable; a reset later deletes them", async () => {
    const p = await kw.customerPolicy();
    const env = await kw.environment();
    await addToPolicyAndWait(kw, p.policy, [env]);
    const dataset = await seedDataset(kw, env, { records: 60, files: 5, tag: "before" });
    const b1 = await backup(env);
    // Changes after the backup, which the restore undoes.
    await seedDataset(kw, env, { records: 80, files: 7, tag: "after" });
    const old = await kw.dataIdOf(env);
    const oldRing = (await services().backups.context.data.rings.read(old))!;

    const { result: op, rows, blobs } = await deletesDuring(old, () => restore(env, env, b1));
    expect(op.status, JSON.stringify(op)).toBe("Succeeded");
    expect(op.steps.map((s: { name: string }) => s.name)).toEqual(["Prepare restore", "Restore records", "Restore files", "Replace data"]);
    expect({ rows, blobs }).toEqual({ rows: 0, blobs: 0 });
    await expectData(kw, env, dataset);

    const after = await stateOf(env);
    expect(after.dataId).not.toBe(old);
    expect(after.backupsDataId).toBe(old);
    expect(after.retiredDataIds).toBeUndefined();
    expect(after.formerDataIds).toEqual([old]);
    // The old generation's table, container and ring are gone; its backups are not.
    expect(await generationLeft(old)).toMatchObject({ table: false, container: false, ring: false });
    expect((await generationLeft(old)).backupBlobs).toBeGreaterThan(5);
    // The fresh ring is on the same customer key version as the one it replaced, with one DEK.
    const ring = (await services().backups.context.data.rings.read(after.dataId))!;
    expect(ring.deks).toHaveLength(1);
    const keyIds = (r: typeof ring) => findDek(r, r.activeDekId)!.wrapped.map((c) => c.keyId).sort();
    expect(keyIds(ring)).toEqual(keyIds(oldRing));
    expect(ring.indexKey.wrapped.map((c) => c.keyId).sort()).toEqual(oldRing.indexKey.wrapped.map((c) => c.keyId).sort());

    // A backup taken now is stored with the others and restores too (its ciphertext is bound to the fresh data id).
    await seedDataset(kw, env, { records: 10, files: 1, tag: "later" });
    const b2 = await backup(env);
    expect(await backupIds(env)).toEqual([b1, b2]);
    const second = await restore(env, env, b1);
    expect(second.status, JSON.stringify(second)).toBe("Succeeded");
    await expectData(kw, env, dataset);
    const third = await restore(env, env, b2);
    expect(third.status, JSON.stringify(third)).toBe("Succeeded");
    const twice = await stateOf(env);
    expect(twice.backupsDataId).toBe(old);
    // The generations in between are gone whole; only the backups' home keeps blobs.
    for (const between of twice.formerDataIds!.filter((id) => id !== old)) expect(await generationLeft(between)).toEqual(NOTHING_LEFT);

    // A reset deletes the backups where they are kept too.
    const reset = await operation("POST", `environments/${env}/reset`);
    expect(reset.status, JSON.stringify(reset)).toBe("Succeeded");
    expect(reset.steps[0].detail).toMatch(/^2 backup\(s\) deleted/);
    expect(await generationLeft(old)).toEqual(NOTHING_LEFT);
    const cleared = await stateOf(env);
    expect(cleared.backupsDataId).toBeUndefined();
    expect(cleared.retiredDataIds).toBeUndefined();
    expect(await backupIds(env)).toEqual([]);
  }, 300_000);

  it("copy: the target gets exactly the source's data, its own backups kept and listed, nothing deleted row by row", async () => {
    // A copy needs both environments on the same customer key.
    const p = await kw.customerPolicy();
    const source = await kw.environment();
    const target = await kw.environment();
    await addToPolicyAndWait(kw, p.policy, [source, target]);
    const data: Dataset = await seedDataset(kw, source, { records: 40, files: 4, tag: "source" });
    await seedDataset(kw, target, { records: 30, files: 3, tag: "target" });
    const kept = await backup(target);
    const old = await kw.dataIdOf(target);

    const { result: op, rows, blobs } = await deletesDuring(old, () => operation("POST", `environments/${target}/copy`, { sourceEnvironmentId: source }));
    expect(op.status, JSON.stringify(op)).toBe("Succeeded");
    expect({ rows, blobs }).toEqual({ rows: 0, blobs: 0 });
    // Sized page by page from the live source: the progress total is its item count.
    expect(op.progress).toMatchObject({ done: data.records.size + data.files.size, total: data.records.size + data.files.size });
    await expectData(kw, target, data);
    await expectData(kw, source, data);
    expect(await backupIds(target)).toEqual([kept]);
    expect(await generationLeft(old)).toMatchObject({ table: false, container: false, ring: false });
  }, 180_000);

  it("a restore that fails before the switch leaves the target's data as it was; a rerun finishes and deletes the half-written generation", async () => {
    const env = await kw.environment();
    await seedDataset(kw, env, { records: 20, files: 2, tag: "backed-up" });
    const b = await backup(env);
    const current = await seedDataset(kw, env, { records: 25, files: 2, tag: "current" });
    const old = await kw.dataIdOf(env);
    const segments = vi.spyOn(BackupStore.prototype, "readRecordSegment").mockRejectedValue(new Error("injected: storage refused the read"));
    const failed = await restore(env, env, b);
    expect(failed.status, JSON.stringify(failed)).toBe("Failed");
    segments.mockRestore();

    const stayed = await stateOf(env);
    expect(stayed.dataId).toBe(old);
    expect(stayed.backupsDataId).toBeUndefined();
    expect(stayed.dataOperation).toBeUndefined();
    expect(stayed.retiredDataIds).toHaveLength(1);
    const halfWritten = stayed.retiredDataIds![0];
    expect(await generationLeft(halfWritten)).toMatchObject({ table: true, container: true, ring: true });
    // Nothing of the target was touched: the records written since the backup are all still there.
    for (const [id, value] of current.records) expect((await kw.user("GET", `environments/${env}/records/${id}`)).body.value).toEqual(value);

    const rerun = await restore(env, env, b);
    expect(rerun.status, JSON.stringify(rerun)).toBe("Succeeded");
    const after = await stateOf(env);
    expect([old, halfWritten]).not.toContain(after.dataId);
    expect(after.retiredDataIds).toBeUndefined();
    expect(await generationLeft(halfWritten)).toEqual(NOTHING_LEFT);
    expect(await backupIds(env)).toEqual([b]);
  }, 180_000);
});
