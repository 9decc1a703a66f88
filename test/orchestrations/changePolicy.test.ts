// Change of policy: remove then add, each a real sub-orchestration (rekeyFlow) driven on the same
// stubs; the parent ends the change as a whole and frees the environment once.
import { describe, expect, it } from "vitest";
import { changePolicy, type ChangePolicyResult } from "../../orchestrations/changePolicy";
import { orchestrator } from "../../orchestrations/orchestrator";
import type { ChangePolicyInput, KeyTarget, RekeyInput, RekeyResult } from "../../shared/operations/contracts";
import { runOrchestration } from "./support/driver";
import type { OrchestrationRun } from "./support/orchestrationRun";
import { alwaysThrows, type ActivityStubs } from "./support/activityStubs";
import { rekeyStubs, TEST_RETRY } from "./support/rekeyWorld";

const PARENT = "op-change";
const input: ChangePolicyInput = { operationId: PARENT, tenantId: "tenant-1", environmentId: "env-1", dataId: "data-1", fromPolicy: "contoso", toPolicy: "fabrikam", parallelism: 2, retry: TEST_RETRY, pageSize: 100 };
const lost = { outcome: "AccessLost", code: "KeyAccessLost", message: "The key 'cmk' was disabled." } as const;
const refused = { outcome: "Refused", code: "DekStillInUse", message: "A DEK is still in use." } as const;

type Run = OrchestrationRun<ChangePolicyResult>;

const isRemove = (target: KeyTarget) => target.kind === "PlatformManaged";

function change(overrides: ActivityStubs = {}): Promise<Run> {
  return runOrchestration(changePolicy, input, { instanceId: PARENT, stubs: { ...rekeyStubs(), ...overrides } });
}

/** What the parent itself wrote (not its halves). */
const parentCalls = (run: Run) => run.calls.filter((c) => c.instanceId === PARENT);

/** Every freeing of an environment's slot: the last status written with it (release), or the guard's releaseEnvironment. */
const freed = (run: { inputsTo(name: "setEncryption" | "releaseEnvironment"): any[] }) => [
  ...run.inputsTo("setEncryption").filter((i) => i.release).map(({ operationId, tenantId, environmentId }) => ({ operationId, tenantId, environmentId })),
  ...run.inputsTo("releaseEnvironment"),
];

describe("change of policy", () => {
  it("both halves succeed: remove then add as sub-orchestrations, Encrypted, freed once", async () => {
    const run = await change();
    expect(run.output).toEqual({ removed: { status: "PlatformManaged" }, added: { status: "Encrypted" } });
    expect(run.subOrchestrations.filter((s) => s.name !== "partitionWorker").map((s) => [s.name, s.instanceId, s.parentInstanceId])).toEqual([
      ["removeEnvironmentFromPolicy", `${PARENT}-remove`, PARENT],
      ["addEnvironmentToPolicy", `${PARENT}-add`, PARENT],
    ]);
    const [remove, add] = run.subOrchestrations.filter((s) => s.name !== "partitionWorker").map((s) => s.input);
    const common = { tenantId: "tenant-1", environmentId: "env-1", dataId: "data-1", fromPolicy: "contoso", parallelism: 2, retry: TEST_RETRY, pageSize: 100, partOfChange: true };
    expect(remove).toEqual({ ...common, operationId: `${PARENT}-remove`, target: { kind: "PlatformManaged" } });
    expect(add).toEqual({ ...common, operationId: `${PARENT}-add`, target: { kind: "CustomerManaged", policy: "fabrikam", tenantId: "tenant-1" } });
    // Two downtimes, then the parent's own end.
    const path = run.inputsTo("setEncryption").map((i) => i.status).filter((s, i, all) => i === 0 || all[i - 1] !== s);
    expect(path).toEqual(["Reverting", "RevertingOnline", "PlatformManaged", "Encrypting", "EncryptingOnline", "Encrypted"]);
    expect(parentCalls(run).map((c) => [c.name, c.input])).toEqual([
      ["setEncryption", { operationId: PARENT, tenantId: "tenant-1", environmentId: "env-1", status: "Encrypted", release: true }],
      ["recordOperation", { operationId: PARENT, tenantId: "tenant-1", environmentId: "env-1", end: { status: "Succeeded" } }],
    ]);
    expect(freed(run)).toEqual([{ operationId: PARENT, tenantId: "tenant-1", environmentId: "env-1" }]);
  });

  it("remove fails: Failed with the remove's error, no add, freed once; the half decided the lock", async () => {
    const run = await change({ prepareTargetDek: (i, call) => (isRemove(i.target) ? lost : rekeyStubs().prepareTargetDek!(i, call)) });
    const error = { code: lost.code, message: lost.message };
    expect(run.output).toEqual({ removed: { status: "Failed", error } });
    expect(run.subOrchestrations.filter((s) => s.name !== "partitionWorker").map((s) => s.name)).toEqual(["removeEnvironmentFromPolicy"]);
    expect(parentCalls(run).map((c) => [c.name, c.input])).toEqual([
      ["setEncryption", { operationId: PARENT, tenantId: "tenant-1", environmentId: "env-1", status: "Failed", release: true }],
      ["recordOperation", { operationId: PARENT, tenantId: "tenant-1", environmentId: "env-1", end: { status: "Failed", error } }],
    ]);
    expect(freed(run)).toHaveLength(1);
    expect(run.callsTo("lockAfterKeyFailure").map((c) => c.instanceId)).toEqual([`${PARENT}-remove`]);
  });

  it("remove ends in Warning: the change ends in Warning, no add", async () => {
    const base = rekeyStubs().reencryptPartition!;
    const run = await change({ reencryptPartition: (i, c) => (i.operationId.endsWith("-remove") && i.store === "files" ? alwaysThrows("blob down")() : base(i, c)) });
    expect(run.output.removed.status).toBe("Warning");
    expect(run.output.added).toBeUndefined();
    const [setEncryption, recordOperation] = parentCalls(run).map((c) => c.input);
    expect(setEncryption).toMatchObject({ status: "Warning" });
    expect(recordOperation).toMatchObject({ end: { status: "Failed", error: { code: "SecondaryStoreIncomplete" } } });
    expect(freed(run)).toHaveLength(1);
  });

  it("add fails: Failed with the add's error after a complete remove, freed once", async () => {
    const run = await change({ finishRekey: (i, call) => (isRemove(i.target) ? rekeyStubs().finishRekey!(i, call) : refused) });
    const error = { code: refused.code, message: refused.message };
    expect(run.output).toEqual({ removed: { status: "PlatformManaged" }, added: { status: "Failed", error } });
    expect(parentCalls(run).map((c) => c.input)).toEqual([
      { operationId: PARENT, tenantId: "tenant-1", environmentId: "env-1", status: "Failed", release: true },
      { operationId: PARENT, tenantId: "tenant-1", environmentId: "env-1", end: { status: "Failed", error } },
    ]);
    expect(freed(run)).toHaveLength(1);
    expect(run.callsTo("lockAfterKeyFailure")).toEqual([]);
  });

  it("add ends in Warning: the change ends in Warning", async () => {
    const run = await change({ rewrapBackups: (i) => (isRemove(i.target) ? { outcome: "ok", backups: 0, rewrapped: 0 } : { outcome: "BackupUnusable", code: "BackupKeysUnusable", message: "b1 unusable" }) });
    expect(run.output.added).toEqual({ status: "Warning", error: { code: "BackupKeysUnusable", message: "b1 unusable" } });
    expect(parentCalls(run)[0].input).toMatchObject({ status: "Warning" });
    expect(parentCalls(run)[1].input).toMatchObject({ end: { status: "Failed", error: { code: "BackupKeysUnusable" } } });
  });

  // rekeyFlow always names the error of a Failed or Warning end; should a half ever not, the change
  // still ends with an error of its own. Stand-ins under the halves' names return such ends.
  it.each([
    { half: "remove", removed: { status: "Failed" }, added: undefined, status: "Failed", code: "RemoveFailed" },
    { half: "remove", removed: { status: "Warning" }, added: undefined, status: "Warning", code: "RemoveFailed" },
    { half: "add", removed: { status: "PlatformManaged" }, added: { status: "Failed" }, status: "Failed", code: "AddFailed" },
  ] as const)("a $half that ends $status without an error: the change ends $status with $code", async ({ removed, added, status, code }) => {
    const standIn = (name: string, result: RekeyResult | undefined) => orchestrator<RekeyInput, RekeyResult>(name, function* () {
      if (!result) throw new Error(`${name} should not run`);
      return result;
    });
    const run = await runOrchestration(changePolicy, input, {
      instanceId: PARENT, stubs: rekeyStubs(),
      orchestrations: { changePolicy, remove: standIn("removeEnvironmentFromPolicy", removed), add: standIn("addEnvironmentToPolicy", added) },
    });
    expect(run.output).toEqual(added ? { removed, added } : { removed });
    expect(parentCalls(run).map((c) => c.input)).toEqual([
      { operationId: PARENT, tenantId: "tenant-1", environmentId: "env-1", status, release: true },
      { operationId: PARENT, tenantId: "tenant-1", environmentId: "env-1", end: { status: "Failed", error: { code, message: expect.any(String) } } },
    ]);
  });

  // A half that fails outright (its state writes exhaust their retries, so even its own failure
  // path throws) still ends the change Failed and frees the environment.
  it("a half that fails outright: the change still ends Failed and frees the environment", async () => {
    const run = await change({
      setEncryption: (i) => { if (i.operationId.endsWith("-remove")) throw new Error("table service unavailable"); },
    });
    expect(run.status).toBe("Completed");
    expect(run.output).toMatchObject({ removed: { status: "Failed", error: { code: "OperationFailed" } } });
    // The parent frees its claim once (the half's own guard asks for its own id, which holds nothing).
    expect(freed(run).filter((i) => i.operationId === PARENT)).toHaveLength(1);
  });

  it("\"downtime\": \"none\" is passed to both halves: online throughout, never a downtime status", async () => {
    const run = await runOrchestration(changePolicy, { ...input, downtime: "none" }, { instanceId: PARENT, stubs: rekeyStubs() });
    expect(run.output).toEqual({ removed: { status: "PlatformManaged" }, added: { status: "Encrypted" } });
    const halves = run.subOrchestrations.filter((s) => s.name !== "partitionWorker").map((s) => (s.input as RekeyInput).downtime);
    expect(halves).toEqual(["none", "none"]);
    const path = run.inputsTo("setEncryption").map((i) => i.status).filter((s, i, all) => i === 0 || all[i - 1] !== s);
    expect(path).toEqual(["RevertingOnline", "PlatformManaged", "EncryptingOnline", "Encrypted"]);
  });
});
