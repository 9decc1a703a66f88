// scale (`npm run bench -- --scale`, not in the default run): an add to a policy at 10^4 and
// 10^5 records (10^6 with --large), each on its own environment, seeded straight through the
// data facade (not measured). For each size: seconds per 10^4 records (the add, request to end),
// the peak RSS of this process during the add (sampled every 100 ms; every size is seeded before
// the first add, so each add starts from the same process), the largest history one
// episode of the add or any of its workers replayed (the durable host's own count), storage
// requests per record (every request this process sent to the storage account's table and blob
// endpoints during the add, the task hub's included) and vault requests per operation (the
// local vault's request log). Then the growth of each from one size to the next: the largest
// ratio between consecutive sizes is scale.timePerRecordGrowth, scale.historyGrowth and
// scale.rssGrowth (goals: <= 1.2, <= 1.1, <= 1.1).
//
// The storage's own share: after each add, the same rows are rewritten in place with no crypto
// in the re-encryption's transactions (reencrypt.ts's plainRewrite). Azurite's updates cost more
// the larger the table, so scale.storageTimePerRecordGrowth is how much of the growth the
// storage alone shows, and scale.timePerRecordGrowthVsStorage the growth of keyward's time over
// that baseline (1 = keyward adds no growth of its own).
import diagnostics from "node:diagnostics_channel";
import type { ClientRequest } from "node:http";
import { services } from "../shared/services";
import { storageEndpointUrls } from "../shared/storage/clients";
import { mapLimit } from "../shared/data/concurrency";
import { round, secondsBetween, type BenchContext } from "./support";
import { plainRewrite } from "./reencrypt";
import type { BenchOptions } from "./options";
import type { Figure, Section } from "./section";

/** The sizes of a run: 10^4 and 10^5, 10^6 with --large; --tiny shrinks them for the smoke test. */
export function scaleSizes(options: Pick<BenchOptions, "tiny" | "large">): number[] {
  if (options.tiny) return [200, 2_000];
  return options.large ? [10_000, 100_000, 1_000_000] : [10_000, 100_000];
}

/** Counts the requests this process sends to the given hosts (host:port), while started. */
function requestCounter(hosts: string[]) {
  let count = 0;
  let on = false;
  const wanted = new Set(hosts.map((h) => h.toLowerCase()));
  const listener = (message: unknown) => {
    if (!on) return;
    const request = (message as { request: ClientRequest }).request;
    if (wanted.has(String(request.getHeader("host") ?? "").toLowerCase())) count++;
  };
  diagnostics.subscribe("http.client.request.start", listener);
  return {
    start() { count = 0; on = true; },
    stop() { on = false; return count; },
    close() { diagnostics.unsubscribe("http.client.request.start", listener); },
  };
}

function rssSampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 100);
  return { stop() { clearInterval(timer); return Math.max(peak, process.memoryUsage().rss); } };
}

interface SizeResult {
  records: number;
  secondsPer10k: number;
  /** The same rows rewritten in place with no crypto (the storage's own cost at this size). */
  plainSecondsPer10k: number;
  peakRssMb: number;
  largestReplay: number;
  storageCallsPerRecord: number;
  vaultCallsPerOperation: number;
}

async function seed(ctx: BenchContext, environment: string, count: number, recordBytes: number): Promise<void> {
  const { data } = services();
  const dataId = await ctx.dataIdOf(environment);
  const value = { filler: "x".repeat(Math.max(0, recordBytes - 20)) };
  let done = 0;
  await mapLimit(Array.from({ length: count }, (_, i) => i), 32, async (i) => {
    await data.putRecord(dataId, `t${i % 4}`, `r${i}`, { n: i, ...value });
    if (++done % 20_000 === 0) ctx.log(`scale: seeded ${done} of ${count}`);
  });
}

/** An environment of `records` records, seeded (not measured). */
async function seeded(ctx: BenchContext, records: number, recordBytes: number): Promise<string> {
  const env = await ctx.environment(`scale${records}`);
  ctx.log(`scale: seeding ${records} records`);
  await seed(ctx, env, records, recordBytes);
  return env;
}

async function measure(ctx: BenchContext, policy: string, env: string, records: number, storage: ReturnType<typeof requestCounter>): Promise<SizeResult> {
  const vaultBefore = (await ctx.management.requests()).lastSeq;
  ctx.log(`scale: adding ${records} records to the policy`);
  const rss = rssSampler();
  storage.start();
  const [operationId] = await ctx.addToPolicy(policy, [env]);
  const op = await ctx.waitForOperation(operationId, 6 * 3600_000);
  const storageCalls = storage.stop();
  const peak = rss.stop();
  const vaultLog = (await ctx.management.requests(vaultBefore)).value.filter((r) => r.vault !== null);
  const vault = vaultLog.length;
  const byOp: Record<string, number> = {};
  for (const r of vaultLog) byOp[`${r.operation}:${r.status}`] = (byOp[`${r.operation}:${r.status}`] ?? 0) + 1;
  ctx.log(`scale: vault requests during the add of ${records}: ${JSON.stringify(byOp)}`);
  const history = ctx.stack.runtime.host.metricsWhere((id) => id === operationId || id.startsWith(`${operationId}:`));
  const seconds = secondsBetween(op.startedAt, op.endedAt);
  ctx.log(`scale: rewriting the ${records} rows in place, no crypto`);
  const plain = await plainRewrite(await ctx.dataIdOf(env));
  return {
    records, secondsPer10k: (seconds / records) * 10_000, plainSecondsPer10k: (plain / records) * 10_000, peakRssMb: peak / 2 ** 20, largestReplay: history.largestReplay,
    storageCallsPerRecord: storageCalls / records, vaultCallsPerOperation: vault,
  };
}

/** The largest ratio between consecutive sizes' values. */
const growth = (results: SizeResult[], pick: (r: SizeResult) => number) =>
  Math.max(...results.slice(1).map((r, i) => pick(r) / Math.max(1e-9, pick(results[i]))));

export const scale: Section = async (ctx, options) => {
  const { policy } = await ctx.customerPolicy("scale");
  const s = services().settings;
  const endpoints = storageEndpointUrls(s.storageConnectionString);
  const storage = requestCounter([endpoints.table, endpoints.blob].filter((u): u is string => !!u).map((u) => new URL(u).host));
  const results: SizeResult[] = [];
  try {
    // Every size is seeded before any add is measured, so each add starts from the same process
    // (seeding 10^5 records grows the heap; measured after it, only the larger add paid for that).
    const sizes = scaleSizes(options);
    const environments: string[] = [];
    for (const records of sizes) environments.push(await seeded(ctx, records, options.recordBytes));
    for (const [i, records] of sizes.entries()) results.push(await measure(ctx, policy, environments[i], records, storage));
  } finally {
    storage.close();
  }
  const figures: Record<string, Figure> = {};
  for (const r of results) {
    const n = `at${r.records}`;
    figures[`${n}.secondsPer10k`] = { value: round(r.secondsPer10k, 2), unit: `s per 10^4 records, add of ${r.records}` };
    figures[`${n}.plainRewriteSecondsPer10k`] = { value: round(r.plainSecondsPer10k, 2), unit: `s per 10^4 records, the same rows rewritten in place with no crypto (${r.records})` };
    figures[`${n}.peakRssMb`] = { value: round(r.peakRssMb, 1), unit: `MiB peak RSS during the add of ${r.records}` };
    figures[`${n}.largestReplay`] = { value: r.largestReplay, unit: `history events, the most one episode replayed (add of ${r.records})` };
    figures[`${n}.storageCallsPerRecord`] = { value: round(r.storageCallsPerRecord, 3), unit: `storage requests per record (add of ${r.records}, task hub included)` };
    figures[`${n}.vaultCallsPerOperation`] = { value: r.vaultCallsPerOperation, unit: `vault requests (add of ${r.records})` };
  }
  figures.timePerRecordGrowth = { value: round(growth(results, (r) => r.secondsPer10k), 3), unit: "largest ratio of time per record between consecutive sizes (goal <= 1.2)" };
  figures.storageTimePerRecordGrowth = { value: round(growth(results, (r) => r.plainSecondsPer10k), 3), unit: "largest ratio of the plain rewrite's time per record: the storage's own growth" };
  figures.timePerRecordGrowthVsStorage = { value: round(growth(results, (r) => r.secondsPer10k / r.plainSecondsPer10k), 3), unit: "largest ratio of keyward's time per record over the plain rewrite's (1 = no growth of keyward's own)" };
  figures.historyGrowth = { value: round(growth(results, (r) => r.largestReplay), 3), unit: "largest ratio of the largest replayed history (goal <= 1.1)" };
  figures.rssGrowth = { value: round(growth(results, (r) => r.peakRssMb), 3), unit: "largest ratio of peak RSS (goal <= 1.1)" };
  return { figures, notes: [`sizes ${results.map((r) => r.records).join(", ")}; partitions per environment ${s.partitionsPerEnvironment}, parallelism ${s.reencryptParallelism}, page ${s.reencryptPageSize}`] };
};
