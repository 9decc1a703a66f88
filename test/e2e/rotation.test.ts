// A new version of a policy's key, end to end: every DEK (and index key) of every environment on
// the policy is re-wrapped under the new version, no record or file is rewritten (their ETags do
// not change), and the data API answers every read meanwhile. Three ways in: the vault's
// KeyNewVersionCreated event, POST /rotate by hand, and the rotation sweep timer when the event
// was missed (the event subscription deleted).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import {
  USER, startAdd, fileBlobs, getEnvironment, keyRing, recordPath, recordRows, recordValue, rewrites, seedNumbered,
  waitForOperation, type Seeded,
} from "../support/environments";
import { EVENT_FUNCTION_NAMES } from "../../shared/events/names";

let kw: Keyward;
let policy: { policy: string; vaultName: string; keyName: string };
const envs: { id: string; seeded: Seeded }[] = [];

beforeAll(async () => {
  // A 1 s DEK cache: readers re-unwrap during the test, under whichever copy the ring holds then.
  kw = await Keyward.start({ KEYWARD_DEK_CACHE_TTL_SECONDS: "1", KEYWARD_REENCRYPT_PAGE_SIZE: "50" });
  policy = await kw.customerPolicy();
  for (const [records, files] of [[300, 15], [40, 3]]) {
    const id = await kw.environment();
    const seeded = await seedNumbered(kw, id, records, files);
    expect((await waitForOperation(kw, await startAdd(kw, policy.policy, id))).status).toBe("Succeeded");
    envs.push({ id, seeded });
  }
}, 120_000);
afterAll(async () => kw?.stop());

/** Reads records and files of every environment, 8 at a time, until stopped; every answer's status. */
function hammer(): { stop: () => Promise<{ total: number; failures: string[] }> } {
  let running = true;
  let total = 0;
  const failures: string[] = [];
  const worker = async (w: number) => {
    for (let n = w; running; n += 8) {
      const { id, seeded } = envs[n % envs.length];
      const i = n % seeded.records;
      const isFile = n % 5 === 0;
      const res = isFile
        ? await kw.call("GET", `environments/${id}/files/dir/f${i % seeded.files.size}`, { as: USER })
        : await kw.user("GET", recordPath(id, i));
      total++;
      const ok = res.status === 200 && (isFile ? Buffer.compare(res.body as Buffer, seeded.files.get(`dir/f${i % seeded.files.size}`)!) === 0 : JSON.stringify(res.body.value) === JSON.stringify(recordValue(i)));
      if (!ok) failures.push(`${res.status} ${JSON.stringify(isFile ? "" : res.body)}`);
    }
  };
  const workers = Array.from({ length: 8 }, (_, w) => worker(w));
  return { stop: async () => { running = false; await Promise.all(workers); return { total, failures }; } };
}

async function storageSnapshot() {
  return Promise.all(envs.map(async ({ id }) => ({ records: await recordRows(id), files: await fileBlobs(id) })));
}

/** Rotates with `rotate` while reads hammer, waits for every environment to be on `version`, and checks nothing was rewritten. */
async function rotateAndCheck(rotate: () => Promise<string>): Promise<string> {
  const before = await storageSnapshot();
  const load = hammer();
  let newKeyId: string;
  try {
    newKeyId = await rotate();
    for (const { id } of envs) {
      await kw.until(`environment ${id} on ${newKeyId}`, () => getEnvironment(kw, id), (e) => e.encryption.keyId === newKeyId, 60_000);
    }
    // Keep reading past the cache TTL, so reads also unwrap from the new copies.
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    var { total, failures } = await load.stop(); // eslint-disable-line no-var
  }
  expect(failures.slice(0, 5), `${failures.length} of ${total} reads failed`).toEqual([]);
  expect(total).toBeGreaterThan(50);

  // No data re-encrypted: every record row and file blob is byte-for-byte the write it was.
  const after = await storageSnapshot();
  envs.forEach((_, k) => {
    expect(rewrites(before[k].records, after[k].records)).toEqual({ changed: 0, added: 0, removed: 0 });
    expect(rewrites(before[k].files, after[k].files)).toEqual({ changed: 0, added: 0, removed: 0 });
  });
  // Every live DEK and the index key are wrapped under the new version only.
  for (const { id } of envs) {
    const ring = await keyRing(id);
    const copies = [...ring.deks.filter((d) => d.state !== "retired").flatMap((d) => d.wrapped), ...ring.indexKey.wrapped];
    expect(copies.map((c) => c.keyId)).toEqual(copies.map(() => newKeyId));
    const e = await getEnvironment(kw, id);
    expect(e.encryption).toMatchObject({ status: "Encrypted", keyType: "CustomerManaged", policy: policy.policy });
  }
  return newKeyId;
}

async function currentKeyId(): Promise<string> {
  return (await getEnvironment(kw, envs[0].id)).encryption.keyId;
}

describe("key version rotation", () => {
  it("re-wraps on the vault's KeyNewVersionCreated event, rewrites no data and refuses no read", async () => {
    const old = await currentKeyId();
    const since = (await kw.management.requests()).lastSeq;
    const newKeyId = await rotateAndCheck(async () => {
      const rotated = await kw.keyClient(policy.vaultName).rotateKey(policy.keyName);
      return rotated.id!;
    });
    expect(newKeyId).not.toBe(old);
    // The app really unwrapped under the new version (readers after the cache TTL).
    const unwraps = (await kw.management.requests(since)).value.filter((r) => r.operation === "unwrapKey" && r.path.includes(newKeyId.split("/").pop()!));
    expect(unwraps.length).toBeGreaterThan(0);
    expect(unwraps.every((r) => r.status === 200)).toBe(true);
    // History: a rotation entry per environment.
    for (const { id } of envs) {
      const history = (await kw.platformAdmin("GET", `environments/${id}/history`)).body.value as { kind: string; status: string; operation: string }[];
      expect(history[0]).toMatchObject({ kind: "RotateKeyVersion", status: "Succeeded", operation: "Update Customer Managed Key" });
    }
  });

  it("re-wraps by hand (POST /rotate) when the event was missed", async () => {
    await kw.management.deleteEventSubscription(EVENT_FUNCTION_NAMES.keyVault);
    const old = await currentKeyId();
    await rotateAndCheck(async () => {
      const rotated = await kw.keyClient(policy.vaultName).rotateKey(policy.keyName);
      await kw.management.flushEvents();
      expect(await currentKeyId()).toBe(old); // nobody told keyward
      // Five at once, as an admin's retry or the vault's late event races the first: every one
      // is 202 for the same rotation (the chaos campaign saw the losers of this race answer 500).
      const answers = await Promise.all(Array.from({ length: 5 }, () => kw.keysAdmin("POST", `enterprisePolicies/${policy.policy}/rotate`)));
      for (const a of answers) expect(a.status, JSON.stringify(a.body)).toBe(202);
      const [res] = answers;
      expect(new Set(answers.map((a) => a.body.operationId)).size).toBe(1);
      expect(res.body.keyId).toBe(rotated.id);
      const op = await kw.until("rotation operation", async () => (await kw.keysAdmin("GET", `operations/${res.body.operationId}`)), (r) => r.status === 200 && r.body.status !== "Running", 60_000);
      expect(op.body).toMatchObject({ status: "Succeeded", kind: "RotateKeyVersion", policy: policy.policy, keyId: rotated.id, progress: { done: 2, total: 2, unit: "environments" } });
      return rotated.id!;
    });
  });

  it("re-wraps from the rotation sweep timer when the event was missed", async () => {
    const old = await currentKeyId();
    await rotateAndCheck(async () => {
      const rotated = await kw.keyClient(policy.vaultName).rotateKey(policy.keyName);
      await kw.management.flushEvents();
      expect(await currentKeyId()).toBe(old);
      await kw.stack.runtime.triggerTimer("rotationSweep");
      return rotated.id!;
    });
  });
});
