// Reset: erase data, backups and key ring (back to the platform key), then stay offline until the
// DEK caches have forgotten the old keys (a durable timer of settleSeconds).
import { describe, expect, it } from "vitest";
import { resetEnvironment } from "../../orchestrations/resetEnvironment";
import type { DataOperationInput, DataOperationResult } from "../../shared/dataOperations/contracts";
import { runOrchestration, DEFAULT_START } from "./support/driver";
import type { OrchestrationRun } from "./support/orchestrationRun";
import { alwaysThrows, type ActivityStubs } from "./support/activityStubs";
import { dataInput, dataStubs } from "./support/dataOperationWorld";

type Run = OrchestrationRun<DataOperationResult>;
const base = { operationId: "op-reset", tenantId: "tenant-1", environmentId: "env-1" };
const after = (seconds: number) => new Date(DEFAULT_START.getTime() + seconds * 1000).toISOString();

const reset = (input: DataOperationInput = dataInput("Reset"), overrides: ActivityStubs = {}): Promise<Run> =>
  runOrchestration(resetEnvironment, input, { instanceId: "op-reset", stubs: { ...dataStubs(), ...overrides } });
const steps = (run: Run) => run.inputsTo("recordOperation").flatMap((i) => (i.step ? [[i.step.name, i.step.status, i.step.detail ?? null]] : []));

describe("reset", () => {
  it("erases, then waits settleSeconds on a durable timer before it frees the environment", async () => {
    const run = await reset();
    expect(run.output).toEqual({ status: "Succeeded" });
    expect(run.inputsTo("eraseEnvironmentData")).toEqual([{ ...base, dataId: "data-1" }]);
    expect(steps(run)).toEqual([
      ["Delete data and backups", "Running", null],
      ["Delete data and backups", "Succeeded", "3 backup(s) deleted; new key ring under https://platform.vault.azure.net/keys/platform/v7"],
      ["Wait for caches to expire", "Running", null],
      ["Wait for caches to expire", "Succeeded", null],
    ]);
    expect(run.timers).toEqual([{ instanceId: "op-reset", createdAt: after(0), fireAt: after(45) }]);
    // Nothing after the wait began ran before the timer fired: the environment stayed offline.
    const waitRunning = run.calls.findIndex((c) => c.name === "recordOperation" && c.input.step?.name === "Wait for caches to expire" && c.input.step.status === "Running");
    expect(run.calls.slice(0, waitRunning + 1).every((c) => c.at === after(0))).toBe(true);
    expect(run.calls.slice(waitRunning + 1).map((c) => [c.name, c.at])).toEqual([["recordOperation", after(45)], ["releaseEnvironment", after(45)], ["recordOperation", after(45)]]);
    expect(run.inputsTo("recordOperation").at(-1)).toEqual({ ...base, progress: { done: 0, total: 0, unit: "items" }, end: { status: "Succeeded" } });
    expect(run.lastCustomStatus()).toEqual({ kind: "Reset", progress: { done: 0, total: 0, unit: "items" } });
  });

  it("waits 60 seconds when settleSeconds is not given", async () => {
    const run = await reset(dataInput("Reset", { settleSeconds: undefined }));
    expect(run.timers.map((t) => t.fireAt)).toEqual([after(60)]);
  });

  it.each([
    { outcome: "Refused", code: "OperationNotAllowed", message: "The environment is locked." },
    { outcome: "AccessLost", code: "KeyAccessLost", message: "The platform key is unreachable." },
  ] as const)("erase answers $outcome: Failed with its code, no wait, freed", async (answer) => {
    const run = await reset(undefined, { eraseEnvironmentData: () => answer });
    const error = { code: answer.code, message: answer.message };
    expect(run.output).toEqual({ status: "Failed", error });
    expect(run.timers).toEqual([]);
    expect(run.inputsTo("recordOperation").at(-1)).toEqual({ ...base, step: { name: "Delete data and backups", status: "Failed", detail: answer.message }, end: { status: "Failed", error } });
    expect(run.inputsTo("releaseEnvironment")).toEqual([base]);
    expect(run.lastCustomStatus()).toEqual({ kind: "Reset", error });
  });

  it("erase exhausts its retries: Failed (OperationFailed) naming the step, no wait", async () => {
    const run = await reset(undefined, { eraseEnvironmentData: alwaysThrows("table delete failed") });
    expect(run.output.error).toEqual({ code: "OperationFailed", message: expect.stringMatching(/^Delete data and backups failed: table delete failed/) });
    expect(run.callsTo("eraseEnvironmentData")).toHaveLength(3);
    expect(run.timers).toEqual([]);
    expect(run.callsTo("releaseEnvironment")).toHaveLength(1);
  });
});

describe("reset: the old generation deleted in bounded pages", () => {
  /** deleteRetiredData over `pages` pages per retired data id (counted per id), each page finding one backup. */
  const paged = (pages: number) => {
    const seen = new Map<string, number>();
    return (i: { retiredDataId: string }) => {
      const n = (seen.get(i.retiredDataId) ?? 0) + 1;
      seen.set(i.retiredDataId, n);
      return { outcome: "ok" as const, done: n >= pages, backupsDeleted: 1 };
    };
  };

  it("pages every retired generation to the end before the wait, in executions of bounded history", async () => {
    const run = await reset(undefined, {
      eraseEnvironmentData: () => ({ outcome: "ok", keyId: "https://platform.vault.azure.net/keys/platform/v7", backupsDeleted: 0, retired: ["data-0", "data-1"] }),
      deleteRetiredData: paged(25),
    });
    expect(run.output).toEqual({ status: "Succeeded" });
    const pages = run.inputsTo("deleteRetiredData", "op-reset:retired");
    expect(pages).toHaveLength(50);
    expect(pages.slice(0, 25).every((p) => p.retiredDataId === "data-0")).toBe(true);
    expect(pages.slice(25).every((p) => p.retiredDataId === "data-1")).toBe(true);
    expect(pages[0]).toEqual({ ...base, retiredDataId: "data-0" });
    // 20 page calls per execution at most: the worker continued as new twice.
    const executions = run.executions("op-reset:retired");
    expect(executions.map((e) => e.yields)).toEqual([20, 20, 10]);
    expect(steps(run)[1]).toEqual(["Delete data and backups", "Succeeded", "50 backup(s) deleted; new key ring under https://platform.vault.azure.net/keys/platform/v7"]);
    // Every page ran before the wait began.
    const lastPage = run.calls.map((c) => c.name).lastIndexOf("deleteRetiredData");
    const waitRunning = run.calls.findIndex((c) => c.name === "recordOperation" && c.input.step?.name === "Wait for caches to expire");
    expect(lastPage).toBeLessThan(waitRunning);
  });

  it("a page refused (the generation is the environment's own): Failed with its code, no wait, freed", async () => {
    const refusal = { outcome: "Refused", code: "GenerationInUse", message: "Environment 'env-1' still uses this data; it is not deleted." } as const;
    const run = await reset(undefined, { deleteRetiredData: () => refusal });
    expect(run.output).toEqual({ status: "Failed", error: { code: refusal.code, message: refusal.message } });
    expect(run.timers).toEqual([]);
    expect(run.inputsTo("releaseEnvironment")).toEqual([base]);
  });

  it("a page that exhausts its retries: Failed (OperationFailed) naming the step, no wait, freed", async () => {
    const run = await reset(undefined, { deleteRetiredData: alwaysThrows("container delete failed") });
    expect(run.output.error).toEqual({ code: "OperationFailed", message: expect.stringMatching(/^Delete data and backups failed: .*container delete failed/) });
    expect(run.callsTo("deleteRetiredData")).toHaveLength(3);
    expect(run.timers).toEqual([]);
    expect(run.callsTo("releaseEnvironment")).toHaveLength(1);
  });
});
