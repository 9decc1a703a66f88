// A keyward process killed with SIGKILL while it re-encrypts an environment's records resumes
// after a restart and completes, every record intact. keyward runs as `npm start` would, in a
// child process (test/support/childKeyward.ts) on the run's Azurite; the restart uses the same
// storage namespace and data folder (vault state and port, issuer key). The durable host finds
// the orchestration in its tables, re-runs the activity that was in flight, and carries on; the
// rows that were already under the new DEK when the process died are not rewritten (same ETag).
// (Durable timers across a restart, e.g. an activity retry's wait, are covered by
// test/runtime/recovery.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChildKeyward } from "../support/childKeyward";
import { changedAmong, countBy, recordRows, recordValue } from "../support/environments";

const RECORDS = 300;
let kw: ChildKeyward;

beforeAll(async () => {
  kw = await ChildKeyward.start({ KEYWARD_REENCRYPT_PAGE_SIZE: "5", KEYWARD_REENCRYPT_PARALLELISM: "1", KEYWARD_ACTIVITY_FIRST_RETRY_MS: "100" });
});
afterAll(async () => kw?.stop());

async function environment(env: string) {
  return (await kw.platformAdmin("GET", `environments/${env}`)).body;
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read().catch(() => undefined as T);
    if (v !== undefined && ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("SIGKILL mid-encryption", () => {
  it("resumes after a restart and completes with every record intact", async () => {
    const { policy } = await kw.customerPolicy();
    const env = "crash-env";
    expect((await kw.platformAdmin("PUT", `environments/${env}`, { displayName: "Crash", region: "europe", type: "Production", managed: true })).status).toBe(201);
    expect((await kw.platformAdmin("PUT", `environments/${env}/members/${kw.principal("Environment.User")}`, { access: "ReadWrite" })).status).toBe(201);
    for (let i = 0; i < RECORDS; i += 30) {
      const puts = await Promise.all(Array.from({ length: 30 }, (_, j) => kw.user("PUT", `environments/${env}/records/t${(i + j) % 3}/r${i + j}`, recordValue(i + j))));
      expect(puts.every((p) => p.status === 201)).toBe(true);
    }
    const before = await recordRows(env, kw.storage);
    const platformDek = [...before.values()][0].dek;

    const add = await kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env] });
    expect(add.status).toBe(202);
    const operationId = add.body.operations[0].operationId as string;
    await until("records under way", () => environment(env), (e) => e.encryption.status === "Encrypting" && (e.encryption.progress?.done ?? 0) >= 25);
    const pid = kw.pid;
    await kw.kill();

    // Dead mid-way: some rows under the new DEK, the rest still under the platform DEK.
    const atKill = await recordRows(env, kw.storage);
    const byDek = countBy(atKill.values(), (r) => r.dek);
    expect(Object.keys(byDek), JSON.stringify(byDek)).toHaveLength(2);
    expect(byDek[platformDek]).toBeGreaterThan(0);
    const targetDek = Object.keys(byDek).find((d) => d !== platformDek)!;

    await kw.restart();
    expect(kw.pid).not.toBe(pid);
    const op = await until("the operation to end", async () => (await kw.platformAdmin("GET", `operations/${operationId}`)).body, (o) => o.status !== "Running", 90_000);
    expect(op.status, JSON.stringify(op)).toBe("Succeeded");
    expect((await environment(env)).encryption).toMatchObject({ status: "Encrypted", keyType: "CustomerManaged", policy });

    const after = await recordRows(env, kw.storage);
    expect(countBy(after.values(), (r) => r.dek)).toEqual({ [targetDek]: RECORDS });
    const doneAtKill = new Map([...atKill].filter(([, r]) => r.dek === targetDek));
    expect(changedAmong(doneAtKill, after)).toBe(0);
    for (let i = 0; i < RECORDS; i += 30) {
      const got = await Promise.all(Array.from({ length: 30 }, (_, j) => kw.user("GET", `environments/${env}/records/t${(i + j) % 3}/r${i + j}`)));
      got.forEach((g, j) => expect(g.body.value, `r${i + j}`).toEqual(recordValue(i + j)));
    }
  }, 150_000);
});
