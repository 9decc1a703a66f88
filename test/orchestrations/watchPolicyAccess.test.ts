// The watch after an event: probes at once, then after 250 ms, 500 ms, then every second (the
// bound on how late a lock lands once the vault refuses), until a probe decides something or the
// watch's time is up; a history bounded by continuing as new.
import { describe, expect, it } from "vitest";
import { PROBES_PER_EXECUTION, watchPolicyAccess, type WatchResult } from "../../orchestrations/watchPolicyAccess";
import type { ReprobePolicyOutput, WatchPolicyAccessInput } from "../../shared/operations/contracts";
import { runOrchestration, DEFAULT_START } from "./support/driver";
import type { OrchestrationRun } from "./support/orchestrationRun";
import { alwaysThrows, type ActivityStubs } from "./support/activityStubs";
import { TEST_RETRY } from "./support/rekeyWorld";

const at = (ms: number) => new Date(DEFAULT_START.getTime() + ms).toISOString();
const input = (untilMs: number): WatchPolicyAccessInput => ({
  tenantId: "tenant-1", policy: "contoso", trigger: "Microsoft.Authorization/roleAssignments/delete",
  until: at(untilMs), firstIntervalMs: 250, maxIntervalMs: 1000, retry: TEST_RETRY,
});
const healthy: ReprobePolicyOutput = { outcome: "probed", status: "Healthy", locked: 0, unlocked: 0 };
const watch = (stubs: ActivityStubs, i: WatchPolicyAccessInput): Promise<OrchestrationRun<WatchResult>> =>
  runOrchestration(watchPolicyAccess, i, { instanceId: "watch-1", stubs, maxSteps: 100_000 });
const probeTimes = (run: OrchestrationRun<WatchResult>) => run.callsTo("reprobePolicy").map((c) => Date.parse(c.at) - DEFAULT_START.getTime());

describe("watching a policy after an event", () => {
  it("re-probes ever more slowly up to once a second, and stops once a probe locks: the change has landed", async () => {
    // The vault starts refusing 5 s after the event (role propagation): the 8th probe, at 5.75 s,
    // is the first after that, and locks.
    let n = 0;
    const run = await watch({
      reprobePolicy: () => (++n >= 8 ? { outcome: "probed", status: "Forbidden", locked: 2, unlocked: 0 } : healthy),
    }, input(15 * 60_000));
    expect(probeTimes(run)).toEqual([0, 250, 750, 1750, 2750, 3750, 4750, 5750]);
    expect(run.output).toEqual({ ended: "Decided", probes: 8, status: "Forbidden" });
    // Every probe is the event's: the lock names it.
    expect(new Set(run.inputsTo("reprobePolicy").map((i) => i.trigger))).toEqual(new Set(["Microsoft.Authorization/roleAssignments/delete"]));
    // From the first refusal (5 s) to the probe that locked: at most the longest interval.
    expect(probeTimes(run).at(-1)! - 5000).toBeLessThanOrEqual(1000);
  });

  it("ends when its time is up, the last wait cut to the deadline", async () => {
    const run = await watch({ reprobePolicy: () => healthy }, input(3000));
    expect(probeTimes(run)).toEqual([0, 250, 750, 1750, 2750, 3000]);
    expect(run.output).toEqual({ ended: "Expired", probes: 6, status: "Healthy" });
  });

  it("continues as new every few probes, so a 15-minute watch keeps a small history", async () => {
    const run = await watch({ reprobePolicy: () => healthy }, input(15 * 60_000));
    expect(run.output).toMatchObject({ ended: "Expired" });
    expect(run.callsTo("reprobePolicy").length).toBeGreaterThan(890);
    expect(run.executions().length).toBeGreaterThan(15);
    // Each execution: at most a probe and a timer per probe.
    expect(run.largestExecution).toBeLessThanOrEqual(2 * PROBES_PER_EXECUTION + 1);
    expect(Math.max(...probeTimes(run))).toBe(15 * 60_000);
  });

  it("a probe that fails (storage down) is skipped, not fatal; a deleted policy ends the watch", async () => {
    let calls = 0;
    const run = await watch({
      reprobePolicy: () => (++calls <= 2 * TEST_RETRY.maxAttempts ? alwaysThrows("storage unavailable")() : { outcome: "gone" }),
    }, input(60_000));
    expect(run.status).toBe("Completed");
    expect(run.output).toEqual({ ended: "PolicyGone", probes: 3 });
  });
  it("a probe no retry cures (reprobePolicy's terminal outcome) is skipped at once, keeping the last status; the watch goes on", async () => {
    let calls = 0;
    const run = await watch({
      reprobePolicy: () => (++calls === 1 ? healthy : calls <= 3 ? { outcome: "Refused", code: "PolicyKeyUnreadable", message: "cannot probe" } : { outcome: "gone" }),
    }, input(60_000));
    // One call per probe: the refusals were not retried.
    expect(run.callsTo("reprobePolicy")).toHaveLength(4);
    expect(probeTimes(run)).toEqual([0, 250, 750, 1750]);
    expect(run.output).toEqual({ ended: "PolicyGone", probes: 4 });
  });
});
