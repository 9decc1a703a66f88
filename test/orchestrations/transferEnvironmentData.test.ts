// Restore (from a backup) and copy (from another environment): prepare (check the source and the
// target's key, build a fresh generation), then every source partition through the pump into the
// fresh generation, then the switch to it and the deletion of the one it left.
import { describe, expect, it } from "vitest";
import { transferEnvironmentData } from "../../orchestrations/transferEnvironmentData";
import type { DataOperationInput, DataOperationResult } from "../../shared/dataOperations/contracts";
import { runOrchestration } from "./support/driver";
import type { OrchestrationRun } from "./support/orchestrationRun";
import { alwaysThrows, type ActivityStubs } from "./support/activityStubs";
import { dataInput, dataStubs, DEFAULT_DATA_WORLD, FRESH_DATA_ID } from "./support/dataOperationWorld";

type Run = OrchestrationRun<DataOperationResult>;

const kinds = [
  { kind: "Restore", verb: "restore", input: dataInput("Restore") },
  { kind: "Copy", verb: "copy", input: dataInput("Copy") },
] as const;

const transfer = (input: DataOperationInput, overrides: ActivityStubs = {}, items?: number | null): Promise<Run> =>
  runOrchestration(transferEnvironmentData, input, { instanceId: input.operationId, stubs: { ...dataStubs({ ...DEFAULT_DATA_WORLD, items }), ...overrides } });
const steps = (run: Run) => run.inputsTo("recordOperation").flatMap((i) => (i.step ? [[i.step.name, i.step.status, i.step.detail ?? null]] : []));
const done = (run: Run) => run.inputsTo("recordOperation").flatMap((i) => (i.progress && !i.end ? [i.progress.done] : []));

describe.each(kinds)("$kind", ({ kind, verb, input }) => {
  const Verb = kind;
  const base = { operationId: input.operationId, tenantId: input.tenantId, environmentId: input.environmentId };
  const scope = { ...base, dataId: input.dataId };

  it("succeeds: prepared, every page of the source moved, progress to the total, freed once", async () => {
    const run = await transfer(input);
    expect(run.output).toEqual({ status: "Succeeded" });
    expect(run.inputsTo("prepareTransfer")).toEqual([{ ...scope, source: input.source }]);
    expect(run.inputsTo("transferPartition")).toEqual([
      // Each partition is its own worker: the driver runs the first of the running ones to its end.
      { store: "records", bucket: 0 }, { store: "records", bucket: 0, continuation: "0@1" }, { store: "records", bucket: 1 },
      { store: "files", bucket: 0 }, { store: "files", bucket: 1 },
      // Every page records its own progress in the operation's entry.
      // Written into the fresh generation, not the environment's current data.
    ].map((p) => ({ ...base, dataId: FRESH_DATA_ID, source: input.source, pageSize: 50, progress: base, ...p })));
    expect(steps(run)).toEqual([
      [`Prepare ${verb}`, "Running", null], [`Prepare ${verb}`, "Succeeded", `fresh data store prepared; 8 item(s) to ${verb}`],
      [`${Verb} records`, "Running", null], [`${Verb} records`, "Succeeded", "6 item(s)"],
      [`${Verb} files`, "Running", null], [`${Verb} files`, "Succeeded", "2 item(s)"],
      ["Replace data", "Running", null], ["Replace data", "Succeeded", "previous data deleted; backups kept"],
    ]);
    // The switch comes after every partition, then the old generation is deleted page by page.
    expect(run.inputsTo("switchGeneration")).toEqual([{ ...scope, freshDataId: FRESH_DATA_ID }]);
    expect(run.inputsTo("deleteRetiredData")).toEqual([{ ...base, retiredDataId: input.dataId }]);
    const names = run.activityNames();
    expect(names.lastIndexOf("transferPartition")).toBeLessThan(names.indexOf("switchGeneration"));
    expect(names.indexOf("switchGeneration")).toBeLessThan(names.indexOf("deleteRetiredData"));
    expect(run.inputsTo("recordOperation").at(-1)).toEqual({ ...base, progress: { done: 8, total: 8, unit: "items" }, end: { status: "Succeeded" } });
    expect(run.inputsTo("releaseEnvironment")).toEqual([base]);
    expect(run.activityNames().slice(-2)).toEqual(["releaseEnvironment", "recordOperation"]);
    expect(run.lastCustomStatus()).toEqual({ kind, progress: { done: 8, total: 8, unit: "items" } });
  });

  it("writes the prepared total once, then shows each finished partition in its custom status (no activity per wave)", async () => {
    const run = await transfer(input);
    expect(done(run)).toEqual([0]);
    expect(run.inputsTo("recordOperation").flatMap((i) => (i.progress ? [i.progress.total] : []))).toEqual([8, 8]);
    expect(run.customStatuses().slice(0, -1)).toEqual([0, 5, 6, 8, 8].map((d) => ({ kind, progress: { done: d, total: 8, unit: "items" } })));
  });

  it("never reports more done than the prepared total", async () => {
    const run = await transfer(input, {}, 5);
    expect(run.customStatuses().map((s) => (s as { progress: { done: number } }).progress.done)).toEqual([0, 5, 5, 5, 5, 5]);
    expect(run.inputsTo("recordOperation").at(-1)?.progress).toEqual({ done: 5, total: 5, unit: "items" });
  });

  it.each([
    { outcome: "Refused", code: "KeyMismatch", message: "The source is on another customer key." },
    { outcome: "AccessLost", code: "KeyAccessLost", message: "The source's key was disabled." },
  ] as const)("prepare answers $outcome: Failed with its code, nothing moved, freed", async (answer) => {
    const run = await transfer(input, { prepareTransfer: () => answer });
    const error = { code: answer.code, message: answer.message };
    expect(run.output).toEqual({ status: "Failed", error });
    expect(run.callsTo("transferPartition")).toEqual([]);
    expect(run.inputsTo("recordOperation").at(-1)).toEqual({ ...base, step: { name: `Prepare ${verb}`, status: "Failed", detail: answer.message }, end: { status: "Failed", error } });
    expect(run.inputsTo("releaseEnvironment")).toEqual([base]);
    expect(run.lastCustomStatus()).toEqual({ kind, error });
  });

  it("a partition refused mid-way: Failed with the refusal at that step, nothing after it moved", async () => {
    const stubs = dataStubs();
    const refusal = { outcome: "Refused", code: "BackupCorrupt", message: "Segment 2 of bucket 0 is missing." } as const;
    const run = await transfer(input, { transferPartition: (i, c) => (i.store === "records" && i.continuation === "0@1" ? refusal : stubs.transferPartition!(i, c)) });
    const error = { code: refusal.code, message: refusal.message };
    expect(run.output).toEqual({ status: "Failed", error });
    expect(run.inputsTo("transferPartition").map((i) => i.store)).not.toContain("files");
    expect(done(run)).toEqual([0]);
    // Partition 1 was already running beside 0 and finished; no partition started after the refusal.
    expect(run.inputsTo("transferPartition").map((i) => [i.bucket, i.continuation ?? null])).toEqual([[0, null], [0, "0@1"], [1, null]]);
    expect(run.inputsTo("recordOperation").at(-1)).toEqual({ ...base, step: { name: `${Verb} records`, status: "Failed", detail: refusal.message }, end: { status: "Failed", error } });
    expect(run.callsTo("releaseEnvironment")).toHaveLength(1);
  });

  it("a partition that exhausts its retries: Failed (OperationFailed) naming the step", async () => {
    const stubs = dataStubs();
    const run = await transfer(input, { transferPartition: (i, c) => (i.store === "files" ? alwaysThrows("storage timeout")() : stubs.transferPartition!(i, c)) });
    expect(run.output.error).toEqual({ code: "OperationFailed", message: expect.stringMatching(new RegExp(`^${Verb} files failed: storage timeout`)) });
    expect(run.callsTo("releaseEnvironment")).toHaveLength(1);
  });

  it("prepare that exhausts its retries: Failed at the prepare step", async () => {
    const run = await transfer(input, { prepareTransfer: alwaysThrows("vault unreachable") });
    expect(run.output.error?.message).toMatch(new RegExp(`^Prepare ${verb} failed: vault unreachable`));
    expect(run.callsTo("transferPartition")).toEqual([]);
  });

  it("a failure before the switch leaves the environment on its data: no switch, nothing retired", async () => {
    const stubs = dataStubs();
    const run = await transfer(input, { transferPartition: (i, c) => (i.store === "files" ? alwaysThrows("storage timeout")() : stubs.transferPartition!(i, c)) });
    expect(run.output.status).toBe("Failed");
    expect(run.callsTo("switchGeneration")).toEqual([]);
    expect(run.callsTo("deleteRetiredData")).toEqual([]);
  });

  it("a refused switch (the environment moved to other data): Failed with its code, nothing deleted", async () => {
    const refusal = { outcome: "Refused", code: "DataGenerationChanged", message: "Environment 'env-1' moved to other data while its data was being replaced; start the operation again." } as const;
    const run = await transfer(input, { switchGeneration: () => refusal });
    expect(run.output).toEqual({ status: "Failed", error: { code: refusal.code, message: refusal.message } });
    expect(run.callsTo("deleteRetiredData")).toEqual([]);
    expect(run.inputsTo("recordOperation").at(-1)).toMatchObject({ step: { name: "Replace data", status: "Failed" } });
  });

  it("sizes a source its prepare cannot (a live environment) partition by partition, under the source's data and DEK", async () => {
    const run = await transfer(input, {}, null);
    expect(run.output).toEqual({ status: "Succeeded" });
    expect(run.inputsTo("countPartition")).toEqual([
      { store: "records", partition: "0" }, { store: "records", partition: "1" }, { store: "files", partition: "0" }, { store: "files", partition: "1" },
    ].map((p) => ({ dataId: input.source!.dataId, targetDekId: "dek-src", ...p })));
    expect(steps(run)[1]).toEqual([`Prepare ${verb}`, "Succeeded", `fresh data store prepared; 8 item(s) to ${verb}`]);
    expect(run.lastCustomStatus()).toEqual({ kind, progress: { done: 8, total: 8, unit: "items" } });
  });
});
