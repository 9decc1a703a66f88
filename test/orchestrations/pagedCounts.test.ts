// Add and remove (rekeyFlow) on an environment too large for one call to size or to prove:
// listPartitions answers `paged` and finishRekey `ProofPaged`, so the flow counts every
// partition of every store through the partition pump (countPartition), sizes its progress from
// those counts, and retires only with a proof that covered every partition with nothing off the
// target (finishRekey `proven`). A straggler the proof counts refuses the retirement.
import { describe, expect, it } from "vitest";
import { addEnvironmentToPolicy } from "../../orchestrations/addEnvironmentToPolicy";
import { removeEnvironmentFromPolicy } from "../../orchestrations/removeEnvironmentFromPolicy";
import type { FinishRekeyInput, RekeyInput, RekeyResult, Store } from "../../shared/operations/contracts";
import type { Orchestrator } from "../../orchestrations/orchestrator";
import { runOrchestration } from "./support/driver";
import type { OrchestrationRun } from "./support/orchestrationRun";
import type { ActivityStubs } from "./support/activityStubs";
import { addInput, removeInput, rekeyStubs, DEFAULT_WORLD, itemsIn, keyFor, RETIRED_DEK, TARGET_DEK } from "./support/rekeyWorld";

type Run = OrchestrationRun<RekeyResult>;

const kinds = [
  { kind: "add", flow: addEnvironmentToPolicy, input: addInput, done: "Encrypted" },
  { kind: "remove", flow: removeEnvironmentFromPolicy, input: removeInput, done: "PlatformManaged" },
] as const;

const pageOf = (continuation: string | undefined) => (continuation ? Number(continuation.split("@")[1]) : 0);

/**
 * The default world (8 records in 3 partitions, 4 files in 2), too large to count in one call.
 * `stragglers`: per proof round, per store, items a proof counts still off target.
 */
function pagedStubs(stragglers: Partial<Record<Store, number>>[] = []): ActivityStubs {
  const world = DEFAULT_WORLD;
  return {
    ...rekeyStubs(),
    listPartitions: (input) => ({ partitions: Object.keys(world.pages[input.store]), paged: true }),
    countPartition: (input, call) => {
      const pages = world.pages[input.store][input.partition];
      const page = pageOf(input.continuation);
      const done = page + 1 >= pages.length;
      // The proof round from the worker's instance id (`${operation}:proof${round}:${store}:${partition}`).
      const round = Number(/:proof(\d+):/.exec(call.instanceId)?.[1] ?? -1);
      const left = input.proof ? (stragglers[round]?.[input.store] ?? 0) : pages[page];
      // The round's stragglers are all in the store's first partition's first page.
      const offTarget = input.proof ? (input.partition === "0" && page === 0 ? left : 0) : left;
      return { outcome: "ok", done, ...(done ? {} : { continuation: `${input.partition}@${page + 1}` }), scanned: pages[page], offTarget };
    },
    finishRekey: (input) => (input.proven ? { outcome: "ok", retiredDekIds: [RETIRED_DEK], keyId: keyFor(input.target) } : { outcome: "ProofPaged" }),
  };
}

function rekey(flow: Orchestrator<RekeyInput, RekeyResult>, input: RekeyInput, stubs: ActivityStubs): Promise<Run> {
  return runOrchestration(flow, input, { stubs });
}

const progresses = (run: Run) => [...run.inputsTo("setEncryption"), ...run.inputsTo("recordOperation")].flatMap((i) => (i.progress ? [i.progress] : []));
const counts = (run: Run, proof: boolean) => run.inputsTo("countPartition").filter((i) => !!i.proof === proof).map((i) => [i.store, i.partition, i.continuation ?? null]);
const everyPage = [["records", "0", null], ["records", "0", "0@1"], ["records", "1", null], ["records", "2", null], ["files", "0", null], ["files", "1", null]];
const sorted = (xs: unknown[][]) => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe.each(kinds)("$kind on an environment too large to count in one call", ({ flow, input, done }) => {
  it("sizes every partition of every store by countPartition: progress total and done are the counted items", async () => {
    const run = await rekey(flow, input(), pagedStubs());
    expect(run.output).toEqual({ status: done });
    const total = itemsIn(DEFAULT_WORLD, "records") + itemsIn(DEFAULT_WORLD, "files");
    expect(new Set(progresses(run).map((p) => p.total))).toEqual(new Set([total]));
    expect(progresses(run).at(-1)).toMatchObject({ done: total, total });
    expect(sorted(counts(run, false))).toEqual(sorted(everyPage));
    for (const i of run.inputsTo("countPartition")) expect(i).toMatchObject({ dataId: "data-1", targetDekId: TARGET_DEK });
  });

  it("counts in storeCounter sub-orchestrations: the flow's own history holds one call per count, not a pump per store", async () => {
    const run = await rekey(flow, input(), pagedStubs());
    const counters = run.subOrchestrations.filter((s) => s.name === "storeCounter");
    expect(counters.map((c) => c.instanceId.split(":").slice(1).join(":"))).toEqual(["size", "proof0"]);
    const countWorkers = run.subOrchestrations.filter((s) => s.name === "partitionWorker" && (s.input as { job: { kind: string } }).job.kind === "count");
    expect(countWorkers.length).toBeGreaterThan(0);
    for (const w of countWorkers) expect(counters.map((c) => c.instanceId)).toContain(w.parentInstanceId);
    expect(new Set(counters.map((c) => c.parentInstanceId)).size).toBe(1);
  });

  it("proves by counting every partition, then retires with the proof: finishRekey told every partition was counted", async () => {
    const run = await rekey(flow, input(), pagedStubs());
    expect(sorted(counts(run, true))).toEqual(sorted(everyPage));
    const finishes = run.inputsTo("finishRekey") as FinishRekeyInput[];
    expect(finishes.map((f) => f.proven ?? null)).toEqual([null, { records: 3, files: 2 }]);
    // The proof comes after every re-encryption page.
    const names = run.activityNames();
    expect(names.lastIndexOf("reencryptPartition")).toBeLessThan(names.indexOf("countPartition", names.lastIndexOf("reencryptPartition")));
  });

  it("refuses: an item the paged proof counts under another DEK is DataRemaining, a Warning, and nothing is retired", async () => {
    const run = await rekey(flow, input(), pagedStubs([{ records: 1 }]));
    expect(run.output.status).toBe("Warning");
    expect(run.output).toMatchObject({ error: { code: "DataRemaining" } });
    expect((run.output as { error: { message: string } }).error.message).toContain("records: 1");
    // finishRekey was only asked (ProofPaged), never given a proof: no DEK retired.
    expect((run.inputsTo("finishRekey") as FinishRekeyInput[]).map((f) => f.proven ?? null)).toEqual([null]);
  });

  it("with no downtime, a straggler sweeps the stores and a second paged proof retires", async () => {
    const run = await rekey(flow, input({ downtime: "none" }), pagedStubs([{ files: 2 }, {}]));
    expect(run.output).toEqual({ status: done });
    const finishes = run.inputsTo("finishRekey") as FinishRekeyInput[];
    expect(finishes.map((f) => f.proven ?? null)).toEqual([null, null, { records: 3, files: 2 }]);
    expect(counts(run, true)).toHaveLength(2 * everyPage.length);
  });
});

// A count no retry cures (countPartition's terminal outcome, e.g. the key ring gone) stops the
// flow with its code at once: no retries of that page, nothing re-encrypted (sizing) or retired
// (proof), and a lost key lets the probe decide the lock.
describe.each(kinds)("$kind whose paged count cannot be made", ({ flow, input }) => {
  const refusing = (proof: boolean, outcome: "Refused" | "AccessLost"): ActivityStubs => {
    const stubs = pagedStubs();
    return {
      ...stubs,
      countPartition: (i, c) => (!!i.proof === proof && i.store === "records" && i.partition === "1"
        ? { outcome, code: outcome === "Refused" ? "KeyRingNotFound" : "ForbiddenByRbac", message: "the count cannot be made" }
        : stubs.countPartition!(i, c)),
    };
  };

  it("sizing: Refused -> Failed with its code, the page asked once, nothing re-encrypted, no lock", async () => {
    const run = await rekey(flow, input(), refusing(false, "Refused"));
    expect(run.output).toMatchObject({ status: "Failed", error: { code: "KeyRingNotFound", message: "the count cannot be made" } });
    expect(run.callsTo("countPartition").filter((c) => c.input.store === "records" && c.input.partition === "1")).toHaveLength(1);
    expect(run.callsTo("reencryptPartition")).toEqual([]);
    expect(run.callsTo("lockAfterKeyFailure")).toEqual([]);
  });

  it("proof: AccessLost -> Failed with its code, nothing retired, the probe decides the lock", async () => {
    const run = await rekey(flow, input(), refusing(true, "AccessLost"));
    expect(run.output).toMatchObject({ status: "Failed", error: { code: "ForbiddenByRbac" } });
    expect(run.callsTo("countPartition").filter((c) => c.input.proof && c.input.store === "records" && c.input.partition === "1")).toHaveLength(1);
    expect((run.inputsTo("finishRekey") as FinishRekeyInput[]).map((f) => f.proven ?? null)).toEqual([null]);
    expect(run.inputsTo("lockAfterKeyFailure")).toEqual([expect.objectContaining({ reason: "the count cannot be made" })]);
  });

  it("listPartitions Refused -> Failed with its code before anything is counted or re-encrypted", async () => {
    const stubs = pagedStubs();
    const run = await rekey(flow, input(), { ...stubs, listPartitions: (i, c) => (i.store === "records" ? { outcome: "Refused", code: "KeyRingNotFound", message: "no key ring" } : stubs.listPartitions!(i, c)) });
    expect(run.output).toMatchObject({ status: "Failed", error: { code: "KeyRingNotFound" } });
    expect(run.callsTo("listPartitions").filter((c) => c.input.store === "records")).toHaveLength(1);
    expect(run.callsTo("countPartition")).toEqual([]);
    expect(run.callsTo("reencryptPartition")).toEqual([]);
  });
});
