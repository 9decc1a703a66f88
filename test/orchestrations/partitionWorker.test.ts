// The partition worker (one partition, paged, continuing as new) and the pump's fan-out over
// workers: no execution's history grows with the number of pages, a stop or a failure comes back
// to the parent as the activity's own outcome.
import { describe, expect, it } from "vitest";
import { addEnvironmentToPolicy } from "../../orchestrations/addEnvironmentToPolicy";
import { firstWork, partitionWorker, type PartitionWorkInput } from "../../orchestrations/partitionWorker";
import { CALLS_PER_EXECUTION, groupPartitions } from "../../orchestrations/partitionPump";
import { runOrchestration } from "./support/driver";
import { alwaysThrows } from "./support/activityStubs";
import { addInput, rekeyStubs, TARGET_DEK, TEST_RETRY, type RekeyWorld } from "./support/rekeyWorld";

const job: PartitionWorkInput["job"] = {
  kind: "reencrypt",
  page: { operationId: "op", tenantId: "t", environmentId: "e", dataId: "d", store: "records", targetDekId: TARGET_DEK, pageSize: 10 },
};
const work = (partitions = [0]): PartitionWorkInput => firstWork(job, partitions, TEST_RETRY, 4);
const world = (pagesPerPartition: number): Partial<RekeyWorld> => ({
  pages: { records: { "0": Array(pagesPerPartition).fill(2), "1": [5] }, files: { "0": [1] } },
});

describe("partitionWorker", () => {
  it("continues as new every callsPerExecution pages with its cursor and counters, and returns the partition's total", async () => {
    const run = await runOrchestration(partitionWorker, work(), { stubs: rekeyStubs(world(10)) });
    expect(run.output).toEqual({ outcome: "done", items: 20, segments: { 0: 0 } });
    expect(run.executions().map((e) => e.yields)).toEqual([4, 4, 2]);
    expect(run.executions().map((e) => (e.input as PartitionWorkInput).cursor)).toEqual([
      { segment: 0, items: 0 }, { continuation: "0@4", segment: 0, items: 8 }, { continuation: "0@8", segment: 0, items: 16 },
    ]);
    expect(run.inputsTo("reencryptPartition").map((i) => i.continuation ?? null)).toEqual([null, ...Array.from({ length: 9 }, (_, i) => `0@${i + 1}`)]);
  });

  it("works a group's partitions one after the other, carrying the position across executions", async () => {
    const run = await runOrchestration(partitionWorker, work([1, 0]), { stubs: rekeyStubs(world(6)) });
    expect(run.output).toEqual({ outcome: "done", items: 17, segments: { 0: 0, 1: 0 } });
    expect(run.inputsTo("reencryptPartition").map((i) => `${i.partition}${i.continuation ? `+${i.continuation}` : ""}`)).toEqual(["1", "0", "0+0@1", "0+0@2", "0+0@3", "0+0@4", "0+0@5"]);
    expect(run.executions().map((e) => [(e.input as PartitionWorkInput).at, e.yields])).toEqual([[0, 4], [1, 3]]);
  });

  it("groups partitions round robin, never more groups than partitions", () => {
    expect(groupPartitions([0, 1, 2, 3, 4], 2)).toEqual([[0, 2, 4], [1, 3]]);
    expect(groupPartitions([0, 1], 8)).toEqual([[0], [1]]);
    expect(groupPartitions(Array.from({ length: 1024 }, (_, i) => i), 8).map((g) => g.length)).toEqual(Array(8).fill(128));
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
    expect(large.callsTo("reencryptPartition").length).toBeGreaterThan(8 * small.callsTo("reencryptPartition").length);
    expect(large.largestExecution).toBe(small.largestExecution);
    // The add's own execution is one, of the same size; the workers continued as new.
    expect(large.executions()).toHaveLength(1);
    expect(large.executions()[0].yields).toBe(small.executions()[0].yields);
    expect(large.executions("instance-1:records:0")).toHaveLength(10);
    expect(large.subOrchestrations).toHaveLength(small.subOrchestrations.length);
  });
});
