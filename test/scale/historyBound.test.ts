// The largest history any one execution replays is the same for an add of 2,000 records and of
// 20,000, within one worker execution's worth of events: the add fans out a worker per
// partition, each continuing as new every few page calls, so ten times the pages means more
// executions, not longer ones. Measured on the real embedded durable host, which reloads and
// replays an execution's whole history from Table storage for every episode
// (local/durable/metrics.ts counts the events each episode replayed). Not timed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { seedNumbered, waitForOperation } from "../support/environments";
import { CALLS_PER_EXECUTION } from "../../orchestrations/partitionPump";

let kw: Keyward;

// Small pages so that the page count grows with the records (1 record per 10 in a page).
beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_REENCRYPT_PAGE_SIZE: "10", KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50" });
}, 300_000);
afterAll(async () => kw?.stop());

/** Records t{i % 4}/r{i} = {n}, through the data facade. */
async function seed(env: string, count: number): Promise<void> {
  await seedNumbered(kw, env, count, 0, { tables: 4, value: (n) => ({ n }) });
}

async function addAndMeasure(policy: string, records: number) {
  const env = await kw.environment();
  await seed(env, records);
  const add = await kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env] });
  expect(add.status).toBe(202);
  const operationId = add.body.operations[0].operationId as string;
  const op = await waitForOperation(kw, operationId, { timeoutMs: 600_000 });
  expect(op.status, JSON.stringify(op)).toBe("Succeeded");
  expect(op.progress).toMatchObject({ done: records, total: records });
  const host = kw.stack.runtime.host;
  // The add and its workers (named `${operationId}:${store}:${partition}`).
  const metrics = host.metricsWhere((id) => id === operationId || id.startsWith(`${operationId}:`));
  return { records, ...metrics, parent: host.metrics(operationId)!.largestReplay };
}

describe("history bounded by partitions", () => {
  it("an add of 20,000 records replays no longer a history in any episode than an add of 2,000", async () => {
    const { policy } = await kw.customerPolicy();
    const small = await addAndMeasure(policy, 2_000);
    const large = await addAndMeasure(policy, 20_000);
    console.log(`history: ${JSON.stringify({ small, large })}`);
    // Ten times the pages: many more episodes...
    expect(large.episodes).toBeGreaterThan(3 * small.episodes);
    // ...but the same number of instances (a worker per partition) and no longer history:
    // at most one worker execution's events apart (about 4 events per page call).
    expect(large.instances).toBe(small.instances);
    expect(large.largestReplay).toBeLessThanOrEqual(small.largestReplay + 4 * CALLS_PER_EXECUTION + 8);
    // The add's own execution replays the same history whatever the item count: the two adds
    // are 1,800 pages apart, so a parent that grew with its pages would differ by hundreds of
    // events. Between runs it differs by a few: three clean-clone CI runs measured 107, 111 and
    // 112 events at 2,000 records and 116, 114 and 116 at 20,000 (a difference of 9 failed a
    // bound of 8). The cause of that spread is not pinned down; an activity retried under load,
    // or completions batched differently into episodes, would each explain a few events.
    expect(Math.abs(large.parent - small.parent)).toBeLessThanOrEqual(16);
  }, 900_000);
});
