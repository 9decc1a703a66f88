// The partition worker (one partition, paged, continuing as new) and the pump's fan-out over
// workers: no execution's history grows with the number of pages, a stop or a failure comes back
// to the parent as the activity's own outcome.
import { describe, expect, it } from "vitest";
import { addEnvironmentToPolicy } from "../../orchestrations/addEnvironmentToPolicy";
import { partitionWorker, type PartitionWorkInput } from "../../orchestrations/partitionWorker";
import { CALLS_PER_EXECUTION } from "../../orchestrations/partitionPump";
import { runOrchestration } from "./support/driver";
import { alwaysThrows } from "./support/activityStubs";
import { addInput, rekeyStubs, TARGET_DEK, TEST_RETRY, type RekeyWorld } from "./support/rekeyWorld";

const job: PartitionWorkInput["job"] = {
  kind: "reencrypt",
  page: { operationId: "op", tenantId: "t", environmentId: "e", dataId: "d", store: "records", targetDekId: TARGET_DEK, pageSize: 10 },
};
const work = (): PartitionWorkInput => ({ job, partition: 0, retry: TEST_RETRY, callsPerExecution: 4, cursor: { segment: 0, items: 0 } });
const world = (pagesPerPartition: number): Partial<RekeyWorld> => ({
  pages: { records: { "0": Array(pagesPerPartition).fill(2) }, files: { "0": [1] } },
});

describe("partitionWorker", () => {
  it("continues as new every callsPerExecution pages with its cursor and counters, and returns the partition's total", async () => {
    const run = await runOrchestration(partitionWorker, work(), { stubs: rekeyStubs(world(10)) });
    expect(run.output).toEqual({ outcome: "done", items: 20, segment: 0 });
    expect(run.executions().map((e) => e.yields)).toEqual([4, 4, 2]);
    expect(run.executions().map((e) => (e.input as PartitionWorkInput).cursor)).toEqual([
      { segment: 0, items: 0 }, { continuation: "0@4", segment: 0, items: 8 }, { continuation: "0@8", segment: 0, items: 16 },
    ]);
    expect(run.inputsTo("reencryptPartition").map((i) => i.continuation ?? null)).toEqual([null, ...Array.from({ length: 9 }, (_, i) => `0@${i + 1}`)]);
  });

  it("a lost key stops it with the activity's own outcome and the items so far", async () => {
    const lost = { outcome: "AccessLost", code: "KeyAccessLost", message: "The key was disabled." } as const;
    const base = rekeyStubs(world(10)).reencryptPartition!;
    const run = await runOrchestration(partitionWorker, work(), { stubs: { ...rekeyStubs(world(10)), reencryptPartition: (i, c) => (i.continuation === "0@6" ? lost : base(i, c)) } });
    expect(run.output).toEqual({ outcome: "stopped", items: 12, stop: lost });
  });

  it("an activity that spends its retries: failed with its message (the worker itself completes)", async () => {
    const run = await runOrchestration(partitionWorker, work(), { stubs: { ...rekeyStubs(world(3)), reencryptPartition: alwaysThrows("table unavailable") } });
    expect(run.status).toBe("Completed");
    expect(run.output).toEqual({ outcome: "failed", items: 0, message: "table unavailable" });
    expect(run.callsTo("reencryptPartition")).toHaveLength(TEST_RETRY.maxAttempts);
  });
});

describe("history bounded by partitions, not items", () => {
  it("an add over ten times the pages: no execution of any instance yields more tasks", async () => {
    const small = await runOrchestration(addEnvironmentToPolicy, addInput(), { stubs: rekeyStubs(world(CALLS_PER_EXECUTION)) });
    const large = await runOrchestration(addEnvironmentToPolicy, addInput(), { stubs: rekeyStubs(world(CALLS_PER_EXECUTION * 10)), maxSteps: 100_000 });
    expect(small.output.status).toBe("Encrypted");
    expect(large.output.status).toBe("Encrypted");
    expect(large.callsTo("reencryptPartition").length).toBeGreaterThanOrEqual(9 * small.callsTo("reencryptPartition").length);
    expect(large.largestExecution).toBe(small.largestExecution);
    // The add's own execution is one, of the same size; the workers continued as new.
    expect(large.executions()).toHaveLength(1);
    expect(large.executions()[0].yields).toBe(small.executions()[0].yields);
    expect(large.executions("instance-1:records:0")).toHaveLength(10);
  });
});
