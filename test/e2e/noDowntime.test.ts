// "downtime": "none": an add (from the CLI, --no-downtime) and a remove (?downtime=none) on a
// live environment. The environment is EncryptingOnline / RevertingOnline from the request on, a
// reader polling through the whole operation never gets a 503, and every write acknowledged
// meanwhile reads back afterwards, under the new key. Real stack: Azurite, local vault, durable host.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward, PLATFORM_ADMIN } from "../support/keyward";
import { main, type CliIo } from "../../cli/main";
import { services } from "../../shared/services";

let kw: Keyward;

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_REENCRYPT_PAGE_SIZE: "10", KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50" });
});
afterAll(async () => kw?.stop());

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (t) => out.push(`${t}\n`),
    stderr: { write: (t) => err.push(t), isTTY: false, columns: 160 },
    env: { KEYWARD_API: kw.stack.apiBaseUrl, KEYWARD_TOKEN: await kw.token(PLATFORM_ADMIN, ["Platform.Admin"]) },
    pollMs: 50,
  };
  const code = await main(argv, io);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

const RECORDS = 300;
const record = (i: number) => `records/t${i % 3}/r${i}`;

/**
 * Reads and writes through the data API until `done` says the operation ended: every response
 * code counted, every acknowledged write remembered (the last value per record).
 */
async function traffic(env: string, done: () => Promise<boolean>) {
  const codes = new Map<number, number>();
  const acknowledged = new Map<number, unknown>();
  const statuses = new Set<string>();
  const count = (status: number) => codes.set(status, (codes.get(status) ?? 0) + 1);
  let stop = false;
  const reader = (async () => {
    for (let i = 0; !stop; i++) count((await kw.user("GET", `environments/${env}/${record((i * 7) % RECORDS)}`)).status);
  })();
  const writer = (async () => {
    for (let k = 0; !stop; k++) {
      const i = (k * 13) % (RECORDS + 50); // rewrites, and new records past the seeded ones
      const value = { n: i, write: k };
      const res = await kw.user("PUT", `environments/${env}/${record(i)}`, value);
      count(res.status);
      if (res.status < 300) acknowledged.set(i, value);
    }
  })();
  while (!(await done())) {
    statuses.add((await kw.platformAdmin("GET", `environments/${env}`)).body.encryption.status);
    await new Promise((r) => setTimeout(r, 25));
  }
  stop = true;
  await Promise.all([reader, writer]);
  return { codes, acknowledged, statuses };
}

async function ended(operationId: string) {
  const op = (await kw.platformAdmin("GET", `operations/${operationId}`)).body;
  return op?.status && op.status !== "Running" ? op : undefined;
}

describe("an add and a remove with no downtime", () => {
  it("serves every read and write throughout, and every acknowledged write reads back under the new key", async () => {
    const { policy } = await kw.customerPolicy();
    const env = await kw.environment();
    for (let i = 0; i < RECORDS; i += 30) {
      const puts = await Promise.all(Array.from({ length: 30 }, (_, j) => kw.user("PUT", `environments/${env}/${record(i + j)}`, { n: i + j, write: -1 })));
      expect(puts.every((p) => p.status === 201)).toBe(true);
    }

    // The add, from the CLI: EncryptingOnline from the request on.
    const add = await cli(["add", policy, env, "--no-downtime"]);
    expect(add.code, add.stderr).toBe(0);
    const operationId = /Started operation ([0-9a-f-]+) on /.exec(add.stdout)![1];
    expect((await kw.platformAdmin("GET", `environments/${env}`)).body.encryption.status).toMatch(/^(EncryptingOnline|Encrypted)$/);
    const during = await traffic(env, async () => !!(await ended(operationId)));
    const op = (await ended(operationId))!;
    expect(op.status, JSON.stringify(op)).toBe("Succeeded");
    expect([...during.statuses].every((s) => s === "EncryptingOnline" || s === "Encrypted"), [...during.statuses].join()).toBe(true);
    expect(during.codes.get(503) ?? 0).toBe(0);
    expect([...during.codes.keys()].every((c) => c < 300), JSON.stringify([...during.codes])).toBe(true);
    expect(during.acknowledged.size).toBeGreaterThan(0);
    for (const [i, value] of during.acknowledged) expect((await kw.user("GET", `environments/${env}/${record(i)}`)).body.value).toEqual(value);
    // Everything under the one new DEK; the previous one retired.
    const dataId = await kw.dataIdOf(env);
    const usage = await services().reencryption.dekUsage(dataId);
    const ring = await services().dataContext.rings.read(dataId);
    expect(Object.keys(usage.records)).toEqual([ring!.activeDekId]);

    // The remove, through the API with ?downtime=none: RevertingOnline throughout.
    const removed = await kw.platformAdmin("DELETE", `enterprisePolicies/${policy}/environments/${env}?downtime=none`);
    expect(removed.status, JSON.stringify(removed.body)).toBe(202);
    const removeId = removed.body.operations[0].operationId as string;
    const reverting = await traffic(env, async () => !!(await ended(removeId)));
    expect((await ended(removeId))!.status).toBe("Succeeded");
    expect([...reverting.statuses].every((s) => s === "RevertingOnline" || s === "PlatformManaged"), [...reverting.statuses].join()).toBe(true);
    expect(reverting.codes.get(503) ?? 0).toBe(0);
    for (const [i, value] of reverting.acknowledged) expect((await kw.user("GET", `environments/${env}/${record(i)}`)).body.value).toEqual(value);
    expect((await kw.platformAdmin("GET", `environments/${env}`)).body.encryption).toMatchObject({ keyType: "PlatformManaged", status: "PlatformManaged" });
  }, 300_000);

  it("refuses an unknown downtime value with 400, starting nothing", async () => {
    const { policy } = await kw.customerPolicy();
    const env = await kw.environment();
    const res = await kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env], downtime: "some" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("InvalidDowntime");
    expect((await kw.platformAdmin("GET", `environments/${env}`)).body.encryption.status).toBe("PlatformManaged");
  });
});
