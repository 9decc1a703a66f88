// Backup: snapshot the keys, copy every partition through the pump, complete the manifest; a
// failed backup is completed as failed (so it is deleted, never restored).
import { describe, expect, it } from "vitest";
import { backupEnvironment } from "../../orchestrations/backupEnvironment";
import type { DataOperationResult } from "../../shared/dataOperations/contracts";
import { runOrchestration } from "./support/driver";
import type { OrchestrationRun } from "./support/orchestrationRun";
import { alwaysThrows, type ActivityStubs } from "./support/activityStubs";
import { dataInput, dataStubs } from "./support/dataOperationWorld";
import { TEST_RETRY } from "./support/rekeyWorld";

type Run = OrchestrationRun<DataOperationResult>;
const input = dataInput("Backup");
const base = { operationId: "op-backup", tenantId: "tenant-1", environmentId: "env-1" };

const backup = (overrides: ActivityStubs = {}): Promise<Run> => runOrchestration(backupEnvironment, input, { instanceId: "op-backup", stubs: { ...dataStubs(), ...overrides } });
const steps = (run: Run) => run.inputsTo("recordOperation").flatMap((i) => (i.step ? [[i.step.name, i.step.status, i.step.detail ?? null]] : []));

describe("backup", () => {
  it("succeeds: keys snapshotted, every page copied with its segment, the manifest completed with the counts", async () => {
    const run = await backup();
    expect(run.output).toEqual({ status: "Succeeded" });
    expect(run.inputsTo("beginBackup")).toEqual([{ ...base, dataId: "data-1", backupId: "b-1" }]);
    expect(run.inputsTo("backupPartition").map((i) => [i.store, i.bucket, i.continuation ?? null, i.segment])).toEqual([
      ["records", 0, null, 0], ["records", 0, "0@1", 1], ["records", 1, null, 0],
      ["files", 0, null, 0], ["files", 1, null, 0],
    ]);
    expect(new Set(run.inputsTo("backupPartition").map((i) => `${i.dataId}/${i.backupId}/${i.pageSize}`))).toEqual(new Set(["data-1/b-1/50"]));
    expect(new Set(run.inputsTo("backupPartition").map((i) => JSON.stringify(i.progress)))).toEqual(new Set([JSON.stringify(base)]));
    expect(run.inputsTo("completeBackup")).toEqual([{ operationId: "op-backup", dataId: "data-1", backupId: "b-1", outcome: { ok: true, records: 6, files: 2, recordSegments: [2, 1] } }]);
    expect(steps(run)).toEqual([
      ["Snapshot keys", "Running", null], ["Snapshot keys", "Succeeded", "backup b-1, 2 partition(s)"],
      ["Copy records", "Running", null], ["Copy records", "Succeeded", "6 item(s)"],
      ["Copy files", "Running", null], ["Copy files", "Succeeded", "2 item(s)"],
      ["Complete backup", "Running", null], ["Complete backup", "Succeeded", null],
    ]);
    const last = run.inputsTo("recordOperation").at(-1);
    expect(last).toEqual({ ...base, progress: { done: 8, total: 8, unit: "items" }, end: { status: "Succeeded" } });
    expect(run.activityNames().slice(-2)).toEqual(["releaseEnvironment", "recordOperation"]);
    expect(run.inputsTo("releaseEnvironment")).toEqual([base]);
    expect(run.lastCustomStatus()).toEqual({ kind: "Backup", progress: { done: 8, total: 8, unit: "items" } });
  });

  it("shows the items copied as each partition finishes, with no activity per wave (the pages record their own)", async () => {
    const run = await backup();
    const waves = run.customStatuses().slice(0, -1).map((s) => (s as { kind: string; progress: { done: number } }));
    expect(waves.map((s) => [s.kind, s.progress.done])).toEqual([["Backup", 0], ["Backup", 5], ["Backup", 6], ["Backup", 8], ["Backup", 8]]);
    expect(run.inputsTo("recordOperation").flatMap((i) => (i.progress && !i.end ? [i.progress.done] : []))).toEqual([0]);
  });

  it("a partition that exhausts its retries: the backup completed as failed, the operation Failed naming the step", async () => {
    const stubs = dataStubs();
    const run = await backup({ backupPartition: (i, c) => (i.store === "files" && i.bucket === 1 ? alwaysThrows("blob write failed")() : stubs.backupPartition!(i, c)) });
    expect(run.output.status).toBe("Failed");
    const error = run.output.error!;
    expect(error).toEqual({ code: "OperationFailed", message: expect.stringMatching(/^Copy files failed: blob write failed/) });
    expect(run.callsTo("backupPartition").filter((c) => c.input.store === "files" && c.input.bucket === 1)).toHaveLength(TEST_RETRY.maxAttempts);
    expect(run.inputsTo("completeBackup")).toEqual([{ operationId: "op-backup", dataId: "data-1", backupId: "b-1", outcome: { ok: false, error } }]);
    expect(run.inputsTo("recordOperation").at(-1)).toEqual({ ...base, step: { name: "Copy files", status: "Failed", detail: error.message }, end: { status: "Failed", error } });
    expect(run.activityNames().slice(-3)).toEqual(["completeBackup", "releaseEnvironment", "recordOperation"]);
    expect(run.lastCustomStatus()).toEqual({ kind: "Backup", error });
  });

  it("the key snapshot fails: nothing copied, the backup still completed as failed", async () => {
    const run = await backup({ beginBackup: alwaysThrows("key ring unreadable") });
    expect(run.output.error).toMatchObject({ code: "OperationFailed", message: expect.stringMatching(/^Snapshot keys failed: key ring unreadable/) });
    expect(run.callsTo("backupPartition")).toEqual([]);
    expect(run.inputsTo("completeBackup").map((i) => i.outcome.ok)).toEqual([false]);
    expect(run.callsTo("releaseEnvironment")).toHaveLength(1);
  });

  it("completing the manifest fails: Failed at that step, then completed as failed", async () => {
    const run = await backup({ completeBackup: (i) => { if (i.outcome.ok) throw new Error("manifest write failed"); } });
    expect(run.output.error).toMatchObject({ message: expect.stringMatching(/^Complete backup failed: manifest write failed/) });
    expect(run.inputsTo("completeBackup").map((i) => i.outcome.ok)).toEqual([...Array(TEST_RETRY.maxAttempts).fill(true), false]);
  });

  it("the failed completion fails too: swallowed, the operation still ends Failed and frees the environment", async () => {
    const stubs = dataStubs();
    const run = await backup({
      backupPartition: (i, c) => (i.store === "records" ? alwaysThrows("table read failed")() : stubs.backupPartition!(i, c)),
      completeBackup: alwaysThrows("manifest write failed"),
    });
    expect(run.status).toBe("Completed");
    expect(run.output.error).toMatchObject({ message: expect.stringMatching(/^Copy records failed: table read failed/) });
    expect(run.callsTo("completeBackup")).toHaveLength(TEST_RETRY.maxAttempts);
    expect(run.inputsTo("recordOperation").at(-1)?.end?.status).toBe("Failed");
    expect(run.callsTo("releaseEnvironment")).toHaveLength(1);
  });
  it("the environment is gone (beginBackup's terminal outcome): Failed with its code at once, nothing copied, completed as failed", async () => {
    const run = await backup({ beginBackup: () => ({ outcome: "Refused", code: "EnvironmentNotFound", message: "There is no environment 'env-1'." }) });
    const error = { code: "EnvironmentNotFound", message: "There is no environment 'env-1'." };
    expect(run.output).toEqual({ status: "Failed", error });
    expect(run.callsTo("beginBackup")).toHaveLength(1);
    expect(run.callsTo("backupPartition")).toEqual([]);
    expect(run.inputsTo("completeBackup")).toEqual([{ operationId: "op-backup", dataId: "data-1", backupId: "b-1", outcome: { ok: false, error } }]);
    expect(run.inputsTo("recordOperation").at(-1)).toEqual({ ...base, step: { name: "Snapshot keys", status: "Failed", detail: error.message }, end: { status: "Failed", error } });
    expect(run.callsTo("releaseEnvironment")).toHaveLength(1);
  });

  it("a page that cannot be copied (backupPartition's terminal outcome): the pump stops, Failed with its code, the page asked once", async () => {
    const stubs = dataStubs();
    const run = await backup({ backupPartition: (i, c) => (i.store === "records" && i.bucket === 1 ? { outcome: "Refused", code: "KeyRingNotFound", message: "no key ring" } : stubs.backupPartition!(i, c)) });
    expect(run.output).toEqual({ status: "Failed", error: { code: "KeyRingNotFound", message: "no key ring" } });
    expect(run.callsTo("backupPartition").filter((c) => c.input.store === "records" && c.input.bucket === 1)).toHaveLength(1);
    expect(run.callsTo("backupPartition").filter((c) => c.input.store === "files")).toEqual([]);
    expect(run.inputsTo("completeBackup").map((i) => i.outcome.ok)).toEqual([false]);
  });

  it("the manifest is gone at completion (completeBackup's terminal outcome): Failed with its code, not retried", async () => {
    const run = await backup({ completeBackup: (i) => (i.outcome.ok ? { outcome: "Refused", code: "BackupNotFound", message: "no manifest" } : undefined) });
    expect(run.output).toEqual({ status: "Failed", error: { code: "BackupNotFound", message: "no manifest" } });
    expect(run.inputsTo("completeBackup").map((i) => i.outcome.ok)).toEqual([true, false]);
  });
});
