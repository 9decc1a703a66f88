// The reference's Warning: the core store is under the new key but a secondary store's activity
// exhausted its retries. Made to happen honestly: another party holds a lease on one file blob
// (as a backup or copy job would), so that file cannot be rewritten (412) however often the
// files step retries. The environment ends Warning naming the files store, serves every record
// and file meanwhile, and once the lease is gone a rerun of the add finishes it, rewriting only
// what was left, without taking the environment down again (its core store was done).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import {
  startAdd, changedAmong, fileBlobs, fileContainer, getEnvironment, keyRing, recordPath, recordRows, recordValue, seedNumbered, verifyAll,
  waitForOperation, watchStatuses,
} from "../support/environments";
import { services } from "../../shared/services";

let kw: Keyward;

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_REENCRYPT_PAGE_SIZE: "20", KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" });
});
afterAll(async () => kw?.stop());

describe("Warning: a secondary store left behind", () => {
  it("ends Warning naming the files store, serves meanwhile, and a rerun finishes it", async () => {
    const { policy } = await kw.customerPolicy();
    const env = await kw.environment();
    const seeded = await seedNumbered(kw, env, 200, 20);
    const platformDek = (await keyRing(env)).activeDekId;
    const [heldBlob] = [...(await fileBlobs(env)).keys()];
    const lease = (await fileContainer(env)).getBlobClient(heldBlob).getBlobLeaseClient();
    await lease.acquireLease(-1);

    const operationId = await startAdd(kw, policy, env);
    const op = await waitForOperation(kw, operationId);
    expect(op.status).toBe("Failed");
    expect(op.error.code).toBe("SecondaryStoreIncomplete");
    expect(op.error.message).toContain("files");
    expect(op.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
      "Prepare key:Succeeded", "Re-encrypt records:Succeeded", "Re-encrypt files:Failed",
    ]);
    const warned = await getEnvironment(kw, env);
    expect(warned.state).toBe("Enabled");
    expect(warned.encryption).toMatchObject({ status: "Warning", warning: "files", policy });
    expect(warned.encryption.activeOperationId).toBeUndefined();

    // The core store is under the new key; the held file (at least) is not.
    const targetDek = (await keyRing(env)).activeDekId;
    const rows = await recordRows(env);
    expect([...rows.values()].every((r) => r.dek === targetDek)).toBe(true);
    const blobs = await fileBlobs(env);
    expect(blobs.get(heldBlob)!.dek).toBe(platformDek);
    expect((await keyRing(env)).deks.find((d) => d.dekId === platformDek)?.state).toBe("retiring");
    // Warning is not downtime: everything is served.
    await verifyAll(kw, env, seeded);

    // The lease ends; the rerun rewrites only the files that were left, online throughout.
    await lease.releaseLease();
    const watcher = watchStatuses(kw, env);
    const rerunId = await startAdd(kw, policy, env);
    expect((await getEnvironment(kw, env)).encryption.status).toBe("EncryptingOnline");
    expect((await kw.user("GET", recordPath(env, 5))).body.value).toEqual(recordValue(5));
    const rerun = await waitForOperation(kw, rerunId);
    expect(rerun.status, JSON.stringify(rerun)).toBe("Succeeded");
    expect(await watcher.stop()).not.toContain("Encrypting");
    expect(rerun.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
      "Prepare key:Succeeded", "Re-encrypt records:Skipped", "Re-encrypt files:Succeeded", "Retire previous key:Succeeded",
    ]);
    expect(rerun.progress).toEqual({ done: 220, total: 220, unit: "items" });
    const done = await getEnvironment(kw, env);
    expect(done.encryption).toMatchObject({ status: "Encrypted", keyType: "CustomerManaged", policy });
    expect(done.encryption.warning).toBeUndefined();
    expect(changedAmong(rows, await recordRows(env))).toBe(0);
    const leftBehind = new Map([...blobs].filter(([, b]) => b.dek === platformDek));
    const moved = new Map([...blobs].filter(([, b]) => b.dek === targetDek));
    const blobsAfter = await fileBlobs(env);
    expect(changedAmong(moved, blobsAfter)).toBe(0);
    expect(changedAmong(leftBehind, blobsAfter)).toBe(leftBehind.size);
    await verifyAll(kw, env, seeded);
    expect(await services().reencryption.dekUsage(await kw.dataIdOf(env))).toEqual({ records: { [targetDek]: 200 }, files: { [targetDek]: 20 } });
    expect((await keyRing(env)).deks.find((d) => d.dekId === platformDek)?.state).toBe("retired");
  }, 120_000);
});
