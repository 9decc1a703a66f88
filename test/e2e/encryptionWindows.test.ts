// What the data API does while an environment's key changes, end to end:
// - Encrypting (the core store's downtime): every data call answers 503 EnvironmentUnavailable
//   with Retry-After. Held open deterministically by the customer vault answering wrapKey with
//   503 until the test removes that fault: the status is Encrypting from the moment the request
//   is accepted, and the orchestration cannot leave it before the new DEK is wrapped (its first
//   step retries meanwhile).
// - EncryptingOnline (secondary stores): reads and writes are served, and a write made then is
//   under the new DEK at once. Held open deterministically by a file blob another party holds a
//   lease on: its re-encryption cannot complete (412) until the lease is released, so the files
//   step retries while the test looks.
// - Progress (done, total, unit) shows in the environment, the operation and customStatus.
// - One operation per environment: a second add (or a remove) gets 409 naming the running one.
// - BYOK migration: an environment on the legacy tenant key joins a policy like any other.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { Keyward } from "../support/keyward";
import {
  USER, startAdd, fileBlobs, fileContainer, getEnvironment, getOperation, keyRing, recordPath, recordRows, recordValue,
  seedNumbered, verifyAll, waitForOperation, waitForStatus,
} from "../support/environments";
import { services } from "../../shared/services";

let kw: Keyward;

beforeAll(async () => {
  kw = await Keyward.start({
    KEYWARD_REENCRYPT_PAGE_SIZE: "20", KEYWARD_REENCRYPT_PARALLELISM: "2",
    // Enough attempts that the held files step is still retrying while the test looks (~50 s).
    KEYWARD_ACTIVITY_FIRST_RETRY_MS: "100", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "10",
  });
});
afterAll(async () => kw?.stop());

describe("the data API while the key changes", () => {
  it("refuses in Encrypting, serves in EncryptingOnline (new writes under the new DEK), and shows progress", async () => {
    const { policy, vaultName } = await kw.customerPolicy();
    const env = await kw.environment();
    const seeded = await seedNumbered(kw, env, 400, 30);
    const total = 430;
    const platformDek = (await keyRing(env)).activeDekId;

    // Hold the files step: a lease on one file blob (as a backup or copy job would take).
    const [heldBlob] = [...(await fileBlobs(env)).keys()];
    const lease = (await fileContainer(env)).getBlobClient(heldBlob).getBlobLeaseClient();
    await lease.acquireLease(-1);
    // Hold the downtime: the customer vault refuses wrapKey for now (a transient 503).
    await kw.management.putFault("wrap-unavailable", { vault: vaultName, operation: "wrapKey", status: 503 });

    const operationId = await startAdd(kw, policy, env);
    expect((await getEnvironment(kw, env)).encryption.status).toBe("Encrypting");
    const calls = await Promise.all([
      kw.user("GET", recordPath(env, 1)),
      kw.user("PUT", recordPath(env, 2), { changed: true }),
      kw.user("GET", `environments/${env}/records/t0`),
      kw.call("GET", `environments/${env}/files/dir/f1`, { as: USER }),
      kw.call("PUT", `environments/${env}/files/dir/new`, { as: USER, raw: Buffer.from("x") }),
    ]);
    for (const res of calls) {
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("EnvironmentUnavailable");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    // Still in the downtime after the calls: they were all made inside it.
    expect((await getEnvironment(kw, env)).encryption.status).toBe("Encrypting");
    // The downtime is the fault's doing: the add reaches wrapKey and is refused (it may get there
    // only after the calls above answered, on a loaded machine, so wait for the first refusal).
    const fault = await kw.until("the add to reach wrapKey", async () => (await kw.management.faults()).find((f) => f.id === "wrap-unavailable")!, (f) => f.hits > 0, 30_000);
    expect(fault.hits).toBeGreaterThan(0);
    expect((await getEnvironment(kw, env)).encryption.status).toBe("Encrypting");
    await kw.management.deleteFault("wrap-unavailable");

    // The core store done, the environment is back online while the files step is held.
    const online = await waitForStatus(kw, env, ["EncryptingOnline", "Failed", "Warning", "Encrypted"]);
    expect(online.encryption.status).toBe("EncryptingOnline");
    const targetDek = (await keyRing(env)).activeDekId;
    expect(targetDek).not.toBe(platformDek);

    // Progress: the same numbers in the environment, the operation and the orchestration's customStatus.
    const progressOf = (p: { done: number; total: number; unit: string }) => {
      expect(p).toMatchObject({ total, unit: "items" });
      expect(p.done).toBeGreaterThanOrEqual(400);
      expect(p.done).toBeLessThan(total);
    };
    progressOf(online.encryption.progress);
    progressOf((await getOperation(kw, operationId)).progress);
    const custom = (await kw.stack.runtime.host.getState(operationId))!.customStatus as { status: string; progress: { done: number; total: number; unit: string } };
    expect(custom.status).toBe("EncryptingOnline");
    progressOf(custom.progress);

    // Reads: records already moved, and the held file, still under the platform DEK.
    expect((await kw.user("GET", recordPath(env, 7))).body.value).toEqual(recordValue(7));
    const heldPath = [...seeded.files.keys()].find(() => true)!;
    const heldRead = await kw.call("GET", `environments/${env}/files/${heldPath}`, { as: USER });
    expect(heldRead.status).toBe(200);
    // Writes: new and replaced records, a new file; each under the new DEK the moment it lands.
    for (const i of [400, 401, 402, 0]) expect((await kw.user("PUT", recordPath(env, i), recordValue(i))).status).toBeLessThan(300);
    const newFile = randomBytes(300);
    expect((await kw.call("PUT", `environments/${env}/files/dir/written-online`, { as: USER, raw: newFile })).status).toBe(200);
    const rowsNow = await recordRows(env);
    expect(rowsNow.size).toBe(403);
    expect([...rowsNow.values()].filter((r) => r.dek !== targetDek)).toEqual([]);
    const blobsNow = await fileBlobs(env);
    expect(blobsNow.get(heldBlob)!.dek).toBe(platformDek);
    expect(blobsNow.size).toBe(31);
    expect((await getEnvironment(kw, env)).encryption.status).toBe("EncryptingOnline");

    // Release the hold: the files step's next retry finishes the operation.
    await lease.releaseLease();
    const op = await waitForOperation(kw, operationId);
    expect(op.status, JSON.stringify(op)).toBe("Succeeded");
    const done = await getEnvironment(kw, env);
    expect(done.encryption).toMatchObject({ keyType: "CustomerManaged", policy, status: "Encrypted", progress: { done: total, total, unit: "items" } });
    seeded.records = 403;
    seeded.files.set("dir/written-online", newFile);
    await verifyAll(kw, env, seeded);
    const usage = await services().reencryption.dekUsage(await kw.dataIdOf(env));
    expect(usage).toEqual({ records: { [targetDek]: 403 }, files: { [targetDek]: 31 } });
    expect((await keyRing(env)).deks.find((d) => d.dekId === platformDek)).toMatchObject({ state: "retired", wrapped: [] });
  }, 120_000);

  it("refuses a second operation on an environment with 409 naming the running one", async () => {
    const { policy } = await kw.customerPolicy();
    const env = await kw.environment();
    await seedNumbered(kw, env, 20, 2);
    // The operation is held in its files step (a leased blob) until the test has looked.
    const lease = (await fileContainer(env)).getBlobClient([...(await fileBlobs(env)).keys()][0]).getBlobLeaseClient();
    await lease.acquireLease(-1);

    // Two adds at once: exactly one is accepted.
    const both = await Promise.all([0, 1].map(() => kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env] })));
    expect(both.map((r) => r.status).sort()).toEqual([202, 409]);
    const operationId = both.find((r) => r.status === 202)!.body.operations[0].operationId as string;
    const refused = both.find((r) => r.status === 409)!;
    expect(refused.body.error.code).toBe("OperationInProgress");
    expect(refused.body.error.message).toContain(operationId);

    // And while it runs: another add, a remove, a change of policy.
    const again = await kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env] });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: "OperationInProgress" });
    expect(again.body.error.message).toContain(operationId);
    const remove = await kw.platformAdmin("DELETE", `enterprisePolicies/${policy}/environments/${env}`);
    expect(remove.status).toBe(409);
    expect(remove.body.error.message).toContain(operationId);
    expect((await getEnvironment(kw, env)).encryption.activeOperationId).toBe(operationId);
    expect((await getOperation(kw, operationId)).status).toBe("Running");
    await lease.releaseLease();

    expect((await waitForOperation(kw, operationId)).status).toBe("Succeeded");
    const env2 = await getEnvironment(kw, env);
    expect(env2.encryption.activeOperationId).toBeUndefined();
    expect(env2.encryption.status).toBe("Encrypted");
  });

  it("migrates a BYOK environment to the customer key like any other", async () => {
    const { policy, keyName } = await kw.customerPolicy();
    const env = await kw.environment({ keyType: "Byok" });
    const before = await getEnvironment(kw, env);
    expect(before.encryption).toMatchObject({ keyType: "Byok" });
    expect(before.encryption.keyId).toContain("/keys/tenant-byok-key/");
    const seeded = await seedNumbered(kw, env, 150, 10);
    const byokDek = (await keyRing(env)).activeDekId;

    const operationId = await startAdd(kw, policy, env);
    const op = await waitForOperation(kw, operationId);
    expect(op.status, JSON.stringify(op)).toBe("Succeeded");
    expect(op.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
      "Prepare key:Succeeded", "Re-encrypt records:Succeeded", "Re-encrypt files:Succeeded", "Retire previous key:Succeeded",
    ]);
    const after = await getEnvironment(kw, env);
    expect(after.encryption).toMatchObject({ keyType: "CustomerManaged", policy, status: "Encrypted" });
    expect(after.encryption.keyId).toContain(`/keys/${keyName}/`);
    await verifyAll(kw, env, seeded);

    // Nothing is left under the BYOK key: its DEK retired, no copy wrapped by it anywhere.
    const ring = await keyRing(env);
    expect(ring.deks.find((d) => d.dekId === byokDek)?.state).toBe("retired");
    const sources = [...ring.deks.flatMap((d) => d.wrapped), ...ring.indexKey.wrapped].map((c) => c.source.kind);
    expect(new Set(sources)).toEqual(new Set(["CustomerManaged"]));
    const usage = await services().reencryption.dekUsage(await kw.dataIdOf(env));
    expect(Object.keys(usage.records)).toEqual([ring.activeDekId]);
    expect(Object.keys(usage.files)).toEqual([ring.activeDekId]);
  });
});
