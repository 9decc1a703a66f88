// A restore or copy that meets a write conflict (a concurrent write won the target row: 409
// RecordWriteConflict, "retry") retries that page and ends Succeeded. The bug this guards: an
// earlier mapping treated every 4xx as terminal, so one conflict ended the whole restore.
// The real transferPartition activity runs here, over a data service that conflicts once.
import { describe, expect, it } from "vitest";
import { transferEnvironmentData } from "../../orchestrations/transferEnvironmentData";
import { transferPartition } from "../../activities/transferPartition";
import { terminalOutcomeOf } from "../../shared/operations/activityOutcome";
import { contention, refused } from "../../shared/errors";
import type { AppServices } from "../../shared/appServices";
import type { TransferPartitionInput } from "../../shared/dataOperations/contracts";
import { runOrchestration } from "./support/driver";
import { dataInput, dataStubs, DEFAULT_DATA_WORLD } from "./support/dataOperationWorld";

const writeConflict = () => contention("RecordWriteConflict", "The record kept changing while it was written; retry.", "recordId", 1);

describe("the activity outcome of a write conflict", () => {
  it("is thrown (Durable retries it), where a refusal comes back as a value", () => {
    expect(() => terminalOutcomeOf(writeConflict())).toThrow(/kept changing/);
    expect(terminalOutcomeOf(refused("BackupCorrupt", "Segment 2 is missing."))).toEqual({ outcome: "Refused", code: "BackupCorrupt", message: "Segment 2 is missing." });
  });
});

describe.each(["Restore", "Copy"] as const)("%s that meets a write conflict", (kind) => {
  it("retries the page that conflicted and succeeds with every item moved", async () => {
    const input = dataInput(kind);
    const world = dataStubs(DEFAULT_DATA_WORLD);
    let conflicts = 0;
    // The data service under the real activity: the first page of records bucket 1 loses to a concurrent write once.
    const backups = {
      async transferPartition(i: TransferPartitionInput) {
        if (i.store === "records" && i.bucket === 1 && conflicts === 0) {
          conflicts++;
          throw writeConflict();
        }
        const { outcome: _ok, ...page } = (await world.transferPartition!(i, { attempt: 1, instanceId: input.operationId, at: new Date(0).toISOString() })) as { outcome: "ok" };
        return page;
      },
    };
    // The page's own progress write (shared/operations/pageProgress.ts) goes to a state that keeps nothing.
    const state = { forTenant: () => ({ updateOperation: async () => undefined, updateEnvironment: async () => undefined }) };
    const svc = { backups, state } as unknown as AppServices;
    const run = await runOrchestration(transferEnvironmentData, input, {
      instanceId: input.operationId,
      stubs: { ...world, transferPartition: (i) => transferPartition(i, svc) },
    });
    expect(conflicts).toBe(1);
    expect(run.output).toEqual({ status: "Succeeded" });
    const bucketOne = run.callsTo("transferPartition").filter((c) => c.input.store === "records" && c.input.bucket === 1 && !c.input.continuation);
    expect(bucketOne.map((c) => [c.attempt, c.result.ok])).toEqual([[1, false], [2, true]]);
    expect(run.inputsTo("recordOperation").at(-1)?.progress).toEqual({ done: 8, total: 8, unit: "items" });
  });
});
