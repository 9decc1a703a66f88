// Durable Functions replays a flow from its history, so a flow must do the same thing every time
// it is given the same activity results. Each flow runs twice here with the same stub results,
// under a different wall clock and a different Math.random, and must schedule the same activity
// calls with the same inputs, set the same custom statuses and timers, and return the same output.
import { afterEach, describe, expect, it, vi } from "vitest";
import { addEnvironmentToPolicy } from "../../orchestrations/addEnvironmentToPolicy";
import { removeEnvironmentFromPolicy } from "../../orchestrations/removeEnvironmentFromPolicy";
import { changePolicy } from "../../orchestrations/changePolicy";
import { rotateKeyVersion } from "../../orchestrations/rotateKeyVersion";
import { backupEnvironment } from "../../orchestrations/backupEnvironment";
import { transferEnvironmentData } from "../../orchestrations/transferEnvironmentData";
import { resetEnvironment } from "../../orchestrations/resetEnvironment";
import { watchPolicyAccess } from "../../orchestrations/watchPolicyAccess";
import type { Orchestrator } from "../../orchestrations/orchestrator";
import { runOrchestration } from "./support/driver";
import type { OrchestrationRun } from "./support/orchestrationRun";
import { alwaysThrows, type ActivityStubs } from "./support/activityStubs";
import { addInput, removeInput, rekeyStubs, TEST_RETRY } from "./support/rekeyWorld";
import { dataInput, dataStubs } from "./support/dataOperationWorld";

interface Case { name: string; run: () => Promise<OrchestrationRun<unknown>> }

/** A flow, its input, and a factory of fresh stubs (so no state carries from one run to the next). */
function flowCase<I, O>(name: string, flow: Orchestrator<I, O>, input: I, stubs: () => ActivityStubs): Case {
  return { name, run: () => runOrchestration(flow, input, { instanceId: "instance-1", stubs: stubs() }) as Promise<OrchestrationRun<unknown>> };
}

const flakyFiles = (): ActivityStubs => {
  const base = rekeyStubs().reencryptPartition!;
  return { ...rekeyStubs(), reencryptPartition: (i, c) => (i.store === "files" && c.attempt < 2 ? alwaysThrows("throttled")() : base(i, c)) };
};

const cases: Case[] = [
  flowCase("add", addEnvironmentToPolicy, addInput(), () => rekeyStubs()),
  flowCase("add with a retried page and a Warning rerun", addEnvironmentToPolicy, addInput({ resumeOnline: true }), flakyFiles),
  flowCase("remove", removeEnvironmentFromPolicy, removeInput(), () => rekeyStubs()),
  flowCase("change of policy", changePolicy,
    { operationId: "op-change", tenantId: "tenant-1", environmentId: "env-1", dataId: "data-1", fromPolicy: "contoso", toPolicy: "fabrikam", parallelism: 2, retry: TEST_RETRY, pageSize: 100 },
    () => rekeyStubs()),
  flowCase("rotation", rotateKeyVersion, { operationId: "rot-1", tenantId: "tenant-1", policy: "contoso", retry: TEST_RETRY }, () => ({
    resolveKeyVersion: () => ({ outcome: "ok", keyId: "k/v3", environments: ["a", "b", "c"].map((environmentId) => ({ tenantId: "tenant-1", environmentId, dataId: `data-${environmentId}` })) }),
    rewrapEnvironment: (i) => (i.environmentId === "b" ? { outcome: "Refused", code: "NoKeyRing", message: "none", environmentId: "b" } : { outcome: "ok", rewrapped: 1, environmentId: i.environmentId }),
  })),
  flowCase("backup", backupEnvironment, dataInput("Backup"), () => dataStubs()),
  flowCase("restore", transferEnvironmentData, dataInput("Restore"), () => dataStubs()),
  flowCase("copy", transferEnvironmentData, dataInput("Copy"), () => dataStubs()),
  flowCase("reset", resetEnvironment, dataInput("Reset"), () => dataStubs()),
  flowCase("watch after an event", watchPolicyAccess,
    { tenantId: "tenant-1", policy: "contoso", trigger: "event", until: "2025-01-01T00:01:00.000Z", firstIntervalMs: 250, maxIntervalMs: 1000, retry: TEST_RETRY },
    () => {
      let n = 0;
      return { reprobePolicy: () => (++n === 20 ? { outcome: "probed", status: "Forbidden", locked: 1, unlocked: 0 } : { outcome: "probed", status: "Healthy", locked: 0, unlocked: 0 }) };
    }),
];

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function runUnder(c: Case, wallClock: string, random: number) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(wallClock));
  vi.spyOn(Math, "random").mockReturnValue(random);
  try {
    const run = await c.run();
    return { record: run.record, end: run.end };
  } finally {
    vi.useRealTimers();
    vi.restoreAllMocks();
  }
}

describe("determinism: the same activity results give the same run", () => {
  it.each(cases)("$name", async (c) => {
    const first = await runUnder(c, "2020-03-01T08:00:00Z", 0.1);
    const second = await runUnder(c, "2031-11-20T23:59:59Z", 0.9);
    expect(first.record.calls.length).toBeGreaterThan(0);
    expect(second.record.calls.map((x) => [x.name, x.input, x.attempt, x.at])).toEqual(first.record.calls.map((x) => [x.name, x.input, x.attempt, x.at]));
    expect(second).toEqual(first);
  });
});
