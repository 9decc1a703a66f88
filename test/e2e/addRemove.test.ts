// Add an environment to a policy and remove it again, end to end through the HTTP API: statuses
// pass through the reference's sequence, every record and file reads back exactly, and storage
// holds nothing under a retired DEK.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward, DATA_USER } from "../support/keyward";
import { seedNumbered, waitForOperation as waitForOperationOf } from "../support/environments";
import { services } from "../../shared/services";

let kw: Keyward;

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_REENCRYPT_PAGE_SIZE: "25", KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" });
});
afterAll(async () => kw?.stop());

/** Records t{i % 3}/r{i} = {n, s} and files dir/f{i}, all through the HTTP API. */
async function seed(env: string, records: number, files: number) {
  return (await seedNumbered(kw, env, records, files, { recordsVia: "api" })).files;
}

async function verify(env: string, records: number, files: Map<string, Buffer>) {
  for (let i = 0; i < records; i += 25) {
    const got = await Promise.all(Array.from({ length: Math.min(25, records - i) }, (_, j) => kw.user("GET", `environments/${env}/records/t${(i + j) % 3}/r${i + j}`)));
    got.forEach((g, j) => expect(g.body.value).toEqual({ n: i + j, s: `value-${i + j}` }));
  }
  for (const [path, body] of files) {
    const got = await kw.call("GET", `environments/${env}/files/${path}`, { as: { oid: DATA_USER, roles: ["Environment.User"] } });
    expect(Buffer.compare(got.body as Buffer, body)).toBe(0);
  }
}

const waitForOperation = (operationId: string) => waitForOperationOf(kw, operationId, { timeoutMs: 120_000 });

describe("add to a policy, then remove", () => {
  it("moves the data to the customer key and back, losing nothing", async () => {
    const { policy, keyName } = await kw.customerPolicy();
    const env = await kw.environment();
    const files = await seed(env, 300, 20);

    // Watch the statuses the environment passes through while the operation runs.
    const seen: string[] = [];
    const add = await kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env] });
    expect(add.status).toBe(202);
    const operationId = add.body.operations[0].operationId as string;
    const watcher = kw.until("Encrypted", async () => {
      const e = (await kw.platformAdmin("GET", `environments/${env}`)).body;
      if (seen[seen.length - 1] !== e.encryption.status) seen.push(e.encryption.status);
      return e;
    }, (e) => ["Encrypted", "Failed", "Warning"].includes(e.encryption.status), 120_000);
    const done = await watcher;
    const op = await waitForOperation(operationId);
    expect(op.status, JSON.stringify(op)).toBe("Succeeded");
    expect(done.encryption).toMatchObject({ keyType: "CustomerManaged", policy, status: "Encrypted" });
    expect(done.encryption.keyId).toContain(`/keys/${keyName}/`);
    expect(seen[0]).toBe("Encrypting");
    expect(seen).toContain("Encrypted");
    expect(seen.indexOf("Encrypting")).toBeLessThan(seen.indexOf("Encrypted"));
    expect(op.progress).toMatchObject({ done: 320, total: 320, unit: "items" });
    expect(op.steps.map((s: { name: string }) => s.name)).toEqual(["Prepare key", "Re-encrypt records", "Re-encrypt files", "Retire previous key"]);
    await verify(env, 300, files);

    // Storage holds nothing under the retired platform DEK: one DEK for every record and file.
    const usage = await services().reencryption.dekUsage(await kw.dataIdOf(env));
    const deks = new Set([...Object.keys(usage.records), ...Object.keys(usage.files)]);
    expect(deks.size).toBe(1);

    const history = await kw.platformAdmin("GET", `environments/${env}/history`);
    expect(history.body.value[0]).toMatchObject({ operation: "Update Customer Managed Key", status: "Succeeded" });

    // Remove: back to the platform key.
    const remove = await kw.platformAdmin("DELETE", `enterprisePolicies/${policy}/environments/${env}`);
    expect(remove.status).toBe(202);
    const removed = await waitForOperation(remove.body.operations[0].operationId);
    expect(removed.status, JSON.stringify(removed)).toBe("Succeeded");
    const after = (await kw.platformAdmin("GET", `environments/${env}`)).body;
    expect(after.encryption).toMatchObject({ keyType: "PlatformManaged", status: "PlatformManaged", policy: null });
    await verify(env, 300, files);
    const usage2 = await services().reencryption.dekUsage(await kw.dataIdOf(env));
    expect(Object.keys(usage2.records)).toHaveLength(1);
    expect(Object.keys(usage2.records)).not.toEqual(Object.keys(usage.records));
  }, 120_000); // its waits allow 120 s; the 60 s default timed out on a loaded 2-core machine
});
