// Add to a policy and remove from it (rekeyFlow, behind addEnvironmentToPolicy and
// removeEnvironmentFromPolicy): every branch, with stub activities over a scripted environment.
import { describe, expect, it } from "vitest";
import { addEnvironmentToPolicy } from "../../orchestrations/addEnvironmentToPolicy";
import { removeEnvironmentFromPolicy } from "../../orchestrations/removeEnvironmentFromPolicy";
import type { RekeyInput, RekeyResult, Store } from "../../shared/operations/contracts";
import type { Orchestrator } from "../../orchestrations/orchestrator";
import { runOrchestration } from "./support/driver";
import type { OrchestrationRun } from "./support/orchestrationRun";
import { alwaysThrows, type ActivityName, type ActivityStubs } from "./support/activityStubs";
import { addInput, removeInput, rekeyStubs, CUSTOMER_KEY, PLATFORM_KEY, TARGET_DEK, TEST_RETRY } from "./support/rekeyWorld";

type Run = OrchestrationRun<RekeyResult>;

const kinds = [
  { kind: "add", flow: addEnvironmentToPolicy, input: addInput, down: "Encrypting", online: "EncryptingOnline", done: "Encrypted" },
  { kind: "remove", flow: removeEnvironmentFromPolicy, input: removeInput, down: "Reverting", online: "RevertingOnline", done: "PlatformManaged" },
] as const;

function rekey(flow: Orchestrator<RekeyInput, RekeyResult>, input: RekeyInput, overrides: ActivityStubs = {}, world?: Parameters<typeof rekeyStubs>[0]): Promise<Run> {
  return runOrchestration(flow, input, { stubs: { ...rekeyStubs(world), ...overrides } });
}

const statuses = (run: Run) => run.inputsTo("setEncryption").map((i) => i.status);
/** The statuses in order, each run of repeats counted once. */
const path = (run: Run) => statuses(run).filter((s, i, all) => i === 0 || all[i - 1] !== s);
const steps = (run: Run) => run.inputsTo("recordOperation").flatMap((i) => (i.step ? [[i.step.name, i.step.status]] : []));
const ends = (run: Run) => run.inputsTo("recordOperation").flatMap((i) => (i.end ? [i.end] : []));
const lastEncryption = (run: Run) => run.inputsTo("setEncryption").at(-1)!;
/** Every freeing of the environment's slot: the last status written with it (release), or the guard's releaseEnvironment. */
const freed = (run: Run) => [
  ...run.inputsTo("setEncryption").filter((i) => i.release).map(({ operationId, tenantId, environmentId }) => ({ operationId, tenantId, environmentId })),
  ...run.inputsTo("releaseEnvironment"),
];
const progresses = (run: Run) => [...run.inputsTo("setEncryption"), ...run.inputsTo("recordOperation")].flatMap((i) => (i.progress ? [i.progress] : []));
const pages = (run: Run, store?: Store) => run.inputsTo("reencryptPartition").filter((i) => !store || i.store === store).map((i) => [i.store, i.partition, i.continuation ?? null]);

/** A reencryptPartition stub that answers `answer` for one store (else the world's pages). */
function onStore(store: Store, answer: ActivityStubs["reencryptPartition"]): ActivityStubs {
  const base = rekeyStubs().reencryptPartition!;
  return { reencryptPartition: (input, call) => (input.store === store ? answer!(input, call) : base(input, call)) };
}

const lost = { outcome: "AccessLost", code: "KeyAccessLost", message: "The key 'cmk' was disabled." } as const;
const refused = { outcome: "Refused", code: "NoKeyRing", message: "The environment has no key ring." } as const;

/** Each stage where a value outcome (a lost key, a refusal) can stop the flow, and what comes after it. */
const stages: { stage: string; inject: (outcome: typeof lost | typeof refused) => ActivityStubs; notReached: ActivityName[] }[] = [
  { stage: "Prepare key", inject: (o) => ({ prepareTargetDek: () => o }), notReached: ["listPartitions", "reencryptPartition", "rewrapBackups", "finishRekey"] },
  {
    stage: "Re-encrypt records",
    inject: (o) => onStore("records", (i) => (i.partition === "1" ? o : { outcome: "ok", done: true, scanned: 1, rewritten: 1 })),
    notReached: ["rewrapBackups", "finishRekey"],
  },
  { stage: "Re-encrypt files", inject: (o) => onStore("files", () => o), notReached: ["rewrapBackups", "finishRekey"] },
  { stage: "Re-wrap backups", inject: (o) => ({ rewrapBackups: () => o }), notReached: ["finishRekey"] },
  { stage: "Retire previous key", inject: (o) => ({ finishRekey: () => o }), notReached: [] },
];

describe.each(kinds)("$kind: the happy path", ({ flow, input, down, online, done }) => {
  it(`goes ${down} -> ${online} -> ${done}, sets the final key state and frees the environment once, at the end`, async () => {
    const run = await rekey(flow, input());
    expect(run.output).toEqual({ status: done });
    expect(path(run)).toEqual([down, online, done]);
    const target = input().target;
    expect(lastEncryption(run)).toEqual({
      operationId: input().operationId, tenantId: "tenant-1", environmentId: "env-1", status: done, progress: { done: 12, total: 12, unit: "items" },
      final: target.kind === "CustomerManaged" ? { keyType: "CustomerManaged", policy: "contoso", keyId: CUSTOMER_KEY } : { keyType: "PlatformManaged", keyId: PLATFORM_KEY },
      // The last status and the freeing of the environment are one write.
      release: true,
    });
    expect(ends(run)).toEqual([{ status: "Succeeded" }]);
    expect(freed(run)).toEqual([{ operationId: input().operationId, tenantId: "tenant-1", environmentId: "env-1" }]);
    expect(run.callsTo("lockAfterKeyFailure")).toEqual([]);
    expect(run.inputsTo("finishRekey")).toEqual([{ operationId: input().operationId, tenantId: "tenant-1", environmentId: "env-1", dataId: "data-1", targetDekId: TARGET_DEK, target }]);
    expect(run.lastCustomStatus()).toEqual({ status: done, progress: { done: 12, total: 12, unit: "items" } });
  });

  it("names the policy the environment joins in its first status (add only)", async () => {
    const run = await rekey(flow, input());
    const first = run.inputsTo("setEncryption")[0];
    expect(first.status).toBe(down);
    if (input().target.kind === "CustomerManaged") expect(first.policy).toBe("contoso");
    else expect(first).not.toHaveProperty("policy");
  });

  it("writes each step of its history entry", async () => {
    const run = await rekey(flow, input());
    expect(steps(run)).toEqual([
      ["Prepare key", "Running"], ["Prepare key", "Succeeded"],
      ["Re-encrypt records", "Running"], ["Re-encrypt records", "Succeeded"],
      ["Re-encrypt files", "Running"], ["Re-encrypt files", "Succeeded"],
      ["Re-wrap backups", "Succeeded"],
      ["Retire previous key", "Running"], ["Retire previous key", "Succeeded"],
    ]);
    const details = run.inputsTo("recordOperation").flatMap((i) => (i.step?.detail ? [i.step.detail] : []));
    expect(details).toEqual([input().target.kind === "CustomerManaged" ? CUSTOMER_KEY : PLATFORM_KEY, "1 backup(s), 2 key(s) re-wrapped", `1 DEK(s) retired`]);
  });

  it("keeps the instance's custom status in step with every status it writes", async () => {
    const run = await rekey(flow, input());
    // Besides each status it writes, the instance shows each finished partition's progress (no activity), under the status of the moment.
    const shown = run.customStatuses().filter((s) => !(s as { store?: string }).store).map((s) => (s as { status: string }).status);
    expect(shown.slice(0, -1)).toEqual(statuses(run));
    const partitions = run.customStatuses().filter((s) => (s as { store?: string }).store) as { status: string; store: string }[];
    expect(partitions.map((s) => [s.store, s.status])).toEqual([["records", down], ["records", down], ["records", down], ["files", online], ["files", online]]);
  });
});

describe("the partition pump under a re-key", () => {
  it("works each partition as its own worker, carrying its cursor to the partition's next page", async () => {
    const run = await rekey(addEnvironmentToPolicy, addInput());
    // The driver runs the first running worker to its end: partition 0 (two pages), then 1, then 2.
    expect(pages(run)).toEqual([["records", "0", null], ["records", "0", "0@1"], ["records", "1", null], ["records", "2", null], ["files", "0", null], ["files", "1", null]]);
    expect(new Set(run.inputsTo("reencryptPartition").map((i) => [i.targetDekId, i.pageSize, i.operationId].join()))).toEqual(new Set([`${TARGET_DEK},100,op-add`]));
    const workers = run.subOrchestrations.filter((s) => s.name === "partitionWorker").map((s) => [s.instanceId, s.parentInstanceId]);
    expect(workers).toEqual(["records:0", "records:1", "records:2", "files:0", "files:1"].map((w) => [`instance-1:${w}`, "instance-1"]));
  });

  it("starts at most `parallelism` workers at once: the next starts only as one ends", async () => {
    const run = await rekey(addEnvironmentToPolicy, addInput({ parallelism: 2 }));
    // Partition 2's worker starts after partition 0's ended (its first page follows 0's last).
    const order = pages(run, "records").map((p) => `${p[1]}${p[2] ? "+" : ""}`);
    expect(order).toEqual(["0", "0+", "1", "2"]);
    expect(run.executions("instance-1")).toHaveLength(1);
  });

  it("each page records its own progress on the environment and the operation", async () => {
    const run = await rekey(addEnvironmentToPolicy, addInput());
    expect(new Set(run.inputsTo("reencryptPartition").map((i) => JSON.stringify(i.progress)))).toEqual(new Set([
      JSON.stringify({ operationId: "op-add", tenantId: "tenant-1", environmentId: "env-1", environment: true }),
    ]));
  });

  it("with parallelism 1: two groups (partitions dealt round robin), each worked through partition by partition", async () => {
    const run = await rekey(addEnvironmentToPolicy, addInput({ parallelism: 1 }));
    expect(pages(run, "records")).toEqual([["records", "0", null], ["records", "0", "0@1"], ["records", "2", null], ["records", "1", null]]);
    expect(run.subOrchestrations.filter((s) => s.name === "partitionWorker").map((s) => (s.input as { partitions: number[] }).partitions)).toEqual([[0, 2], [1], [0], [1]]);
  });

  it("shows progress as each partition finishes, without a status activity per wave: the total is every item, done grows to it", async () => {
    const run = await rekey(addEnvironmentToPolicy, addInput());
    const waves = run.customStatuses().filter((s) => (s as { store?: string }).store).map((s) => (s as { store: string; progress: { done: number } }));
    expect(waves.map((w) => [w.store, w.progress.done])).toEqual([["records", 4], ["records", 7], ["records", 8], ["files", 11], ["files", 12]]);
    // State writes only at step boundaries: as many for ten times the pages.
    const longer = await rekey(addEnvironmentToPolicy, addInput(), {}, { pages: { records: { "0": Array(20).fill(1), "1": Array(10).fill(1), "2": [1] }, files: { "0": Array(30).fill(1), "1": [1] } } });
    expect(longer.output.status).toBe("Encrypted");
    expect(longer.callsTo("setEncryption")).toHaveLength(run.callsTo("setEncryption").length);
    expect(longer.callsTo("recordOperation")).toHaveLength(run.callsTo("recordOperation").length);
    const all = progresses(run);
    expect(new Set(all.map((p) => p.total))).toEqual(new Set([12]));
    const recorded = run.inputsTo("recordOperation").flatMap((i) => (i.progress ? [i.progress.done] : []));
    expect(recorded).toEqual([...recorded].sort((a, b) => a - b));
    expect(recorded.at(-1)).toBe(12);
  });

  it("never reports more done than the total when pages scan more than sizing counted", async () => {
    const base = rekeyStubs().listPartitions!;
    const run = await rekey(addEnvironmentToPolicy, addInput(), {
      listPartitions: (i, c) => ({ ...(base(i, c) as { partitions: string[]; items: number; remaining: number }), ...(i.store === "records" ? { items: 5, remaining: 5 } : {}) }),
    });
    expect(run.output.status).toBe("Encrypted");
    const all = progresses(run);
    expect(new Set(all.map((p) => p.total))).toEqual(new Set([9]));
    expect(Math.max(...all.map((p) => p.done))).toBe(9);
  });

  it("sizes each store against the target DEK", async () => {
    const run = await rekey(addEnvironmentToPolicy, addInput());
    expect(run.inputsTo("listPartitions")).toEqual([
      { dataId: "data-1", store: "records", targetDekId: TARGET_DEK },
      { dataId: "data-1", store: "files", targetDekId: TARGET_DEK },
    ]);
  });
});

describe.each(kinds)("$kind: a lost key or a refusal at each stage", ({ flow, input, done }) => {
  it.each(stages)("AccessLost at $stage: Failed, history ended, environment freed, then the lock decided", async ({ stage, inject, notReached }) => {
    const run = await rekey(flow, input(), inject(lost));
    expect(run.output).toEqual({ status: "Failed", error: { code: lost.code, message: lost.message } });
    expect(lastEncryption(run).status).toBe("Failed");
    expect(statuses(run)).not.toContain(done);
    expect(ends(run)).toEqual([{ status: "Failed", error: { code: lost.code, message: lost.message } }]);
    expect(steps(run).at(-1)).toEqual([stage, "Failed"]);
    expect(run.inputsTo("lockAfterKeyFailure")).toEqual([{ tenantId: "tenant-1", environmentId: "env-1", reason: lost.message }]);
    expect(freed(run)).toHaveLength(1);
    expect(run.activityNames().slice(-2)).toEqual(["recordOperation", "lockAfterKeyFailure"]);
    for (const name of notReached) expect(run.callsTo(name), name).toEqual([]);
    expect(run.lastCustomStatus()).toEqual({ status: "Failed", error: { code: lost.code, message: lost.message } });
  });

  it.each(stages)("Refused at $stage: Failed without a lock", async ({ stage, inject, notReached }) => {
    const run = await rekey(flow, input(), inject(refused));
    expect(run.output).toEqual({ status: "Failed", error: { code: refused.code, message: refused.message } });
    expect(lastEncryption(run).status).toBe("Failed");
    expect(steps(run).at(-1)).toEqual([stage, "Failed"]);
    expect(run.callsTo("lockAfterKeyFailure")).toEqual([]);
    expect(freed(run)).toHaveLength(1);
    expect(run.activityNames().at(-1)).toBe("recordOperation");
    for (const name of notReached) expect(run.callsTo(name), name).toEqual([]);
  });
});

describe("add: a key that fails before anything depends on it", () => {
  it("keyInUse false: Failed, freed, and not locked", async () => {
    const run = await rekey(addEnvironmentToPolicy, addInput(), { prepareTargetDek: () => ({ ...lost, keyInUse: false }) });
    expect(run.output).toEqual({ status: "Failed", error: { code: lost.code, message: lost.message } });
    expect(run.callsTo("lockAfterKeyFailure")).toEqual([]);
    expect(run.callsTo("listPartitions")).toEqual([]);
    expect(freed(run)).toHaveLength(1);
  });

  it("keyInUse true (a rerun whose data already needs the key): locked as any lost key", async () => {
    const run = await rekey(addEnvironmentToPolicy, addInput(), { prepareTargetDek: () => ({ ...lost, keyInUse: true }) });
    expect(run.output.status).toBe("Failed");
    expect(run.inputsTo("lockAfterKeyFailure")).toEqual([{ tenantId: "tenant-1", environmentId: "env-1", reason: lost.message }]);
  });
});

describe.each(kinds)("$kind: activities that exhaust their retries", ({ flow, input, down, online, done }) => {
  it("a secondary store's: Warning, online on the new key, the store named, nothing retired", async () => {
    const run = await rekey(flow, input(), onStore("files", alwaysThrows("blob service unavailable")));
    expect(run.output.status).toBe("Warning");
    expect(run.output.error?.code).toBe("SecondaryStoreIncomplete");
    expect(run.output.error?.message).toMatch(/^The files store is not yet under the new key: blob service unavailable\s*\. Rerun the operation to finish it\.$/);
    expect(path(run)).toEqual([down, online, "Warning"]);
    expect(lastEncryption(run)).toMatchObject({ status: "Warning", warning: "files" });
    expect(steps(run).at(-1)).toEqual(["Re-encrypt files", "Failed"]);
    // Both file partitions were in the wave; each was tried maxAttempts times.
    expect(run.callsTo("reencryptPartition").filter((c) => c.input.store === "files")).toHaveLength(2 * TEST_RETRY.maxAttempts);
    expect(run.callsTo("rewrapBackups")).toEqual([]);
    expect(run.callsTo("finishRekey")).toEqual([]);
    expect(run.callsTo("lockAfterKeyFailure")).toEqual([]);
    expect(freed(run)).toHaveLength(1);
  });

  it("a secondary store's: the Warning's message quotes the failure cleanly", async () => {
    const run = await rekey(flow, input(), onStore("files", alwaysThrows("blob service unavailable")));
    expect(run.output.error?.message).toBe("The files store is not yet under the new key: blob service unavailable. Rerun the operation to finish it.");
  });

  it("the backups step's: Warning naming the backups", async () => {
    const run = await rekey(flow, input(), { rewrapBackups: alwaysThrows("backup container unreachable") });
    expect(run.output.status).toBe("Warning");
    expect(run.output.error).toMatchObject({ code: "SecondaryStoreIncomplete", message: expect.stringMatching(/^The backups are not yet under the new key: backup container unreachable/) });
    expect(lastEncryption(run)).toMatchObject({ status: "Warning", warning: "backups" });
    expect(run.callsTo("rewrapBackups")).toHaveLength(TEST_RETRY.maxAttempts);
    expect(run.callsTo("finishRekey")).toEqual([]);
  });

  it("the core store's: Failed (OperationFailed, naming the stage), never online, not locked", async () => {
    const run = await rekey(flow, input(), onStore("records", alwaysThrows("table service unavailable")));
    expect(run.output.status).toBe("Failed");
    expect(run.output.error).toMatchObject({ code: "OperationFailed", message: expect.stringMatching(/^Re-encrypt records failed: table service unavailable/) });
    expect(path(run)).toEqual([down, "Failed"]);
    expect(pages(run, "files")).toEqual([]);
    expect(run.callsTo("lockAfterKeyFailure")).toEqual([]);
    expect(freed(run)).toHaveLength(1);
  });

  it("one that fails once and then succeeds: retried, and the operation completes", async () => {
    const base = rekeyStubs().reencryptPartition!;
    const run = await rekey(flow, input(), {
      reencryptPartition: (i, c) => {
        if (i.store === "records" && i.partition === "1" && c.attempt === 1) throw new Error("throttled");
        return base(i, c);
      },
    });
    expect(run.output).toEqual({ status: done });
    expect(run.callsTo("reencryptPartition").filter((c) => c.input.partition === "1" && c.input.store === "records").map((c) => c.attempt)).toEqual([1, 2]);
  });
});

describe.each(kinds)("$kind: what the final checks find", ({ flow, input, online }) => {
  it("BackupUnusable: Warning with its code, the backups named, nothing retired", async () => {
    const run = await rekey(flow, input(), { rewrapBackups: () => ({ outcome: "BackupUnusable", code: "BackupKeysUnusable", message: "Backup b1's keys can no longer be unwrapped." }) });
    expect(run.output).toEqual({ status: "Warning", error: { code: "BackupKeysUnusable", message: "Backup b1's keys can no longer be unwrapped." } });
    expect(lastEncryption(run)).toMatchObject({ status: "Warning", warning: "backups" });
    expect(steps(run).at(-1)).toEqual(["Re-wrap backups", "Failed"]);
    expect(run.callsTo("finishRekey")).toEqual([]);
    expect(run.callsTo("lockAfterKeyFailure")).toEqual([]);
  });

  it("DataRemaining: Warning that lists what is left under the previous key", async () => {
    const run = await rekey(flow, input(), { finishRekey: () => ({ outcome: "DataRemaining", remaining: { records: 2, files: 1 } }) });
    expect(run.output).toEqual({
      status: "Warning",
      error: { code: "DataRemaining", message: "Items are still under the previous key (records: 2, files: 1). Rerun the operation to finish it." },
    });
    expect(statuses(run).slice(-2)).toEqual([online, "Warning"]);
    expect(steps(run).at(-1)).toEqual(["Retire previous key", "Failed"]);
    expect(run.callsTo("lockAfterKeyFailure")).toEqual([]);
    expect(freed(run)).toHaveLength(1);
  });

  it("no backups: no backups step in the history", async () => {
    const run = await rekey(flow, input(), {}, { backups: 0 });
    expect(run.callsTo("rewrapBackups")).toHaveLength(1);
    expect(steps(run).map(([name]) => name)).not.toContain("Re-wrap backups");
  });
});

describe.each(kinds)("$kind: stores with nothing left under another key", ({ flow, input, down, online, done }) => {
  it("the core store: Skipped in downtime, its items counted done, none re-encrypted", async () => {
    const run = await rekey(flow, input(), {}, { remaining: { records: 0 } });
    expect(run.output).toEqual({ status: done });
    expect(pages(run, "records")).toEqual([]);
    const skipped = run.inputsTo("recordOperation").find((i) => i.step?.status === "Skipped")!;
    expect(skipped.step).toEqual({ name: "Re-encrypt records", status: "Skipped", detail: "Every item is already under the new key." });
    expect(skipped.progress).toEqual({ done: 8, total: 12, unit: "items" });
    expect(path(run)).toEqual([down, online, done]);
  });

  it("the secondary store: Skipped online", async () => {
    const run = await rekey(flow, input(), {}, { remaining: { files: 0 } });
    expect(pages(run, "files")).toEqual([]);
    expect(steps(run)).toContainEqual(["Re-encrypt files", "Skipped"]);
    const i = run.inputsTo("recordOperation").findIndex((r) => r.step?.status === "Skipped");
    expect(run.inputsTo("setEncryption").find((_, n) => n === i)?.status).toBe(online);
  });

  it("both: no partition re-encrypted, the old key still retired", async () => {
    const run = await rekey(flow, input(), {}, { remaining: { records: 0, files: 0 } });
    expect(run.output).toEqual({ status: done });
    expect(run.callsTo("reencryptPartition")).toEqual([]);
    expect(run.callsTo("finishRekey")).toHaveLength(1);
    expect(run.lastCustomStatus()).toEqual({ status: done, progress: { done: 12, total: 12, unit: "items" } });
  });
});

describe.each(kinds)("$kind: resumeOnline (the rerun of a Warning)", ({ flow, input, down, online, done }) => {
  it("starts online and stays online when sizing finds no core item left", async () => {
    const run = await rekey(flow, input({ resumeOnline: true }), {}, { remaining: { records: 0, files: 4 } });
    expect(run.output).toEqual({ status: done });
    expect(statuses(run)).not.toContain(down);
    expect(path(run)).toEqual([online, done]);
    expect(pages(run, "records")).toEqual([]);
  });

  it("goes down when sizing finds core items left, and online again after them", async () => {
    const run = await rekey(flow, input({ resumeOnline: true }), {}, { remaining: { records: 3 } });
    expect(run.output).toEqual({ status: done });
    expect(path(run)).toEqual([online, down, online, done]);
    // Prepare key ran online; the downtime starts with the core store.
    expect(run.inputsTo("setEncryption")[0].status).toBe(online);
    const recordsRunning = run.inputsTo("recordOperation").findIndex((r) => r.step?.name === "Re-encrypt records" && r.step.status === "Running");
    expect(run.inputsTo("setEncryption")[recordsRunning].status).toBe(down);
  });

  it("without resumeOnline starts in downtime even when no core item is left", async () => {
    const run = await rekey(flow, input(), {}, { remaining: { records: 0 } });
    expect(run.inputsTo("setEncryption")[0].status).toBe(down);
  });
});

describe.each(kinds)("$kind: as half of a change of policy (partOfChange)", ({ kind, flow, input, done }) => {
  const createAs = kind === "add" ? { kind: "AddToPolicy", policy: "contoso" } : { kind: "RemoveFromPolicy" };

  it("never frees the environment (the parent does) and writes its own history entry", async () => {
    const run = await rekey(flow, input({ partOfChange: true }));
    expect(run.output).toEqual({ status: done });
    expect(freed(run)).toEqual([]);
    // The first write creates the half's own entry; later writes that name a kind name the same one.
    const records = run.inputsTo("recordOperation");
    expect(records[0].createAs).toEqual(createAs);
    expect(records.filter((i) => i.createAs).every((i) => JSON.stringify(i.createAs) === JSON.stringify(createAs))).toBe(true);
    expect(ends(run)).toEqual([{ status: "Succeeded" }]);
  });

  it("a failed half does not free it either, and still decides the lock", async () => {
    const run = await rekey(flow, input({ partOfChange: true }), { prepareTargetDek: () => lost });
    expect(run.output.status).toBe("Failed");
    expect(freed(run)).toEqual([]);
    expect(run.callsTo("lockAfterKeyFailure")).toHaveLength(1);
  });

  it("on its own, no createAs: the operation's entry already exists", async () => {
    const run = await rekey(flow, input());
    expect(run.inputsTo("recordOperation").every((i) => i.createAs === undefined)).toBe(true);
  });
});

describe("an operation whose own failure path throws", () => {
  it("still frees its environment (freesEnvironment), and the instance fails with the first error", async () => {
    const run = await rekey(addEnvironmentToPolicy, addInput(), {
      prepareTargetDek: alwaysThrows("vault unavailable"),
      // The failure path's own writes exhaust their retries too.
      recordOperation: alwaysThrows("table service unavailable"),
    });
    expect(run.status).toBe("Failed");
    expect(run.inputsTo("releaseEnvironment")).toEqual([{ operationId: "op-add", tenantId: "tenant-1", environmentId: "env-1" }]);
  });
});

describe.each(kinds)("$kind with \"downtime\": \"none\"", ({ flow, input, down, online, done }) => {
  it(`goes ${online} -> ${done}: never ${down}, the core store re-encrypted online`, async () => {
    const run = await rekey(flow, input({ downtime: "none" }));
    expect(run.output).toEqual({ status: done });
    expect(path(run)).toEqual([online, done]);
    expect(statuses(run)).not.toContain(down);
    expect(steps(run).slice(0, 4)).toEqual([["Prepare key", "Running"], ["Prepare key", "Succeeded"], ["Re-encrypt records", "Running"], ["Re-encrypt records", "Succeeded"]]);
  });

  it("a straggler under the previous DEK: every store swept again, then proved and retired", async () => {
    let proofs = 0;
    const run = await rekey(flow, input({ downtime: "none" }), {
      finishRekey: (i) => (++proofs === 1 ? { outcome: "DataRemaining", remaining: { "dek-previous": 1 } } : { outcome: "ok", retiredDekIds: ["dek-previous"], keyId: i.target.kind === "CustomerManaged" ? CUSTOMER_KEY : PLATFORM_KEY }),
    });
    expect(run.output).toEqual({ status: done });
    expect(run.callsTo("finishRekey")).toHaveLength(2);
    const labels = run.subOrchestrations.filter((s) => s.name === "partitionWorker").map((s) => s.instanceId.split(":")[1]);
    expect([...new Set(labels)]).toEqual(["records", "files", "records-sweep1", "files-sweep1"]);
  });

  it("stragglers after every sweep: Warning DataRemaining (a rerun finishes), never a retired DEK in use", async () => {
    const run = await rekey(flow, input({ downtime: "none" }), { finishRekey: () => ({ outcome: "DataRemaining", remaining: { "dek-previous": 1 } }) });
    expect(run.output.status).toBe("Warning");
    expect(run.output.error?.code).toBe("DataRemaining");
    expect(run.callsTo("finishRekey")).toHaveLength(3);
  });

  it("the reference's downtime stays the default: no sweep after DataRemaining", async () => {
    const run = await rekey(flow, input(), { finishRekey: () => ({ outcome: "DataRemaining", remaining: { "dek-previous": 1 } }) });
    expect(run.callsTo("finishRekey")).toHaveLength(1);
    expect(path(run)[0]).toBe(down);
  });
});
