// No activity of an add does whole-environment work: at two sizes, on the real embedded host,
// every count (sizing, the finish proof) reads at most KEYWARD_COUNT_ITEMS_PER_CALL items per
// activity call and every re-encryption page at most a page, and the whole-store scans
// (countByDek) are never called. With a bound well below the environment's size, the add sizes
// and proves partition by partition (listPartitions `paged`, finishRekey `ProofPaged`), and its
// progress still adds up. A larger environment is more calls, not larger ones. Not timed.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Keyward } from "../support/keyward";
import { services } from "../../shared/services";
import { seedNumbered, waitForOperation } from "../support/environments";
import { RecordStore } from "../../shared/data/recordStore";
import { FileStore } from "../../shared/data/fileStore";

const BOUND = 40;
const PAGE = 10;

let kw: Keyward;

beforeAll(async () => {
  kw = await Keyward.start({
    KEYWARD_COUNT_ITEMS_PER_CALL: String(BOUND), KEYWARD_REENCRYPT_PAGE_SIZE: String(PAGE),
    KEYWARD_PARTITIONS_PER_ENVIRONMENT: "4", KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50",
  });
}, 300_000);
afterAll(async () => kw?.stop());

/** Records t{i % 4}/r{i} = {n} and files f{i}, through the data facade. */
async function seed(env: string, records: number, files: number): Promise<void> {
  await seedNumbered(kw, env, records, files, { tables: 4, value: (n) => ({ n }), fileName: (i) => `f${i}`, fileBody: (i) => Buffer.from(`file ${i}`), filesVia: "facade" });
}

async function addAndWatch(policy: string, records: number, files: number) {
  const env = await kw.environment();
  const watched = await watch(policy, env, records, files);
  return { ...watched, usage: await usageOf(env) };
}

async function watch(policy: string, env: string, records: number, files: number) {
  await seed(env, records, files);
  const spies = {
    countDeks: vi.spyOn(services().reencryption, "countDeks"),
    recordDekPages: vi.spyOn(RecordStore.prototype, "dekIdsPage"),
    fileDekPages: vi.spyOn(FileStore.prototype, "dekIdsPage"),
    recordScans: vi.spyOn(RecordStore.prototype, "scanPartition"),
    fileScans: vi.spyOn(FileStore.prototype, "scanPartition"),
    recordWhole: vi.spyOn(RecordStore.prototype, "countByDek"),
    fileWhole: vi.spyOn(FileStore.prototype, "countByDek"),
  };
  try {
    const add = await kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env] });
    expect(add.status).toBe(202);
    const operationId = add.body.operations[0].operationId as string;
    const op = await waitForOperation(kw, operationId, { timeoutMs: 600_000 });
    expect(op.status, JSON.stringify(op)).toBe("Succeeded");
    expect(op.progress).toMatchObject({ done: records + files, total: records + files });
    const counted = await Promise.all(spies.countDeks.mock.results.map((r) => r.value as Promise<{ items: number }>));
    return {
      countCalls: counted.length,
      proofCalls: spies.countDeks.mock.calls.filter(([run]) => run.proof).length,
      largestCount: Math.max(...counted.map((c) => c.items)),
      largestDekPage: Math.max(...[...spies.recordDekPages.mock.calls, ...spies.fileDekPages.mock.calls].map((c) => c[2])),
      largestScanPage: Math.max(...[...spies.recordScans.mock.calls, ...spies.fileScans.mock.calls].map((c) => c[2])),
      wholeStoreScans: spies.recordWhole.mock.calls.length + spies.fileWhole.mock.calls.length,
    };
  } finally {
    for (const spy of Object.values(spies)) spy.mockRestore();
  }
}

/** The test's own look at the stores, a whole scan, made after the add's calls are counted. */
async function usageOf(env: string) {
  return services().reencryption.dekUsage(await kw.dataIdOf(env));
}

describe("counts bounded per activity call", () => {
  it("an add of 150 and of 600 records (30 and 120 files) reads no more than the bound in any count and no more than a page in any scan", async () => {
    const { policy } = await kw.customerPolicy();
    const small = await addAndWatch(policy, 150, 30);
    const large = await addAndWatch(policy, 600, 120);
    console.log(`counts: ${JSON.stringify({ small: { ...small, usage: undefined }, large: { ...large, usage: undefined } })}`);
    for (const run of [small, large]) {
      expect(run.wholeStoreScans).toBe(0);
      expect(run.largestCount).toBeLessThanOrEqual(BOUND);
      expect(run.largestDekPage).toBeLessThanOrEqual(BOUND);
      expect(run.largestScanPage).toBeLessThanOrEqual(PAGE);
      // Proved partition by partition, after the switch settled.
      expect(run.proofCalls).toBeGreaterThanOrEqual(2 * 4);
      // Everything under one DEK: the previous one was retired on that proof.
      expect(Object.keys(run.usage.records)).toHaveLength(1);
      expect(Object.keys(run.usage.files)).toEqual(Object.keys(run.usage.records));
    }
    // Four times the items: more calls, none larger.
    expect(large.countCalls).toBeGreaterThan(2 * small.countCalls);
  }, 900_000);
});
