// functionTimeout on activities, handled as the Functions host and the Durable Task extension
// handle it for a Node worker: the timed-out invocation fails as TaskFailed (an attempt of the
// retry policy, not a redelivery), its late result is never delivered, and when it outlives the
// grace period the worker restart takes the other invocations on that worker down with it.
import "../../local/functionsCore";
import { afterEach, describe, expect, it } from "vitest";
import { EventType } from "../../local/durable/wire";
import { startRuntime, type RunningRuntime } from "../../local/runtime";
import { testStorage, uniquePrefix } from "../support/storage";
import { gate, resetGates } from "./fixtures/strictSamples";
import { durableClientFor, logCollector, waitFor } from "./support";

const logs = logCollector();
const started: RunningRuntime[] = [];

afterEach(async () => {
  resetGates();
  await Promise.all(started.splice(0).map((r) => r.stop()));
});

describe("functionTimeout on activities", () => {
  it("reads functionTimeout from host.json and fails a timed-out attempt as the retry policy's failed attempt", async () => {
    const runtime = await startRuntime({
      storageConnectionString: testStorage(), taskHub: uniquePrefix("tmo"), port: 0, timers: false, log: logs.log,
      hostJson: { functionTimeout: "00:00:01" },
    });
    started.push(runtime);
    expect(runtime.durable.functionTimeoutMs).toBe(1000);
    const client = durableClientFor(runtime.host.clientData());
    const held = uniquePrefix("held");
    const id = await client.startNew("timesOut", { input: held });

    // Both attempts of the retry policy ran and timed out; the orchestration caught the last failure.
    const waiting = await runtime.host.waitForState(id, (s) => s.sequencing.actionSignatures.length === 2, 20_000, "wait for Finish");
    expect(waiting.runtimeStatus).toBe("Running");
    expect(gate(held).entered).toBe(2);
    expect(runtime.host.metrics().activityTimeouts).toBe(2);

    // The abandoned invocations finish now, while the instance is still running: their results are thrown away.
    gate(held).open();
    await waitFor("both abandoned invocations to return", () => (gate(held).left === 2 ? true : undefined));
    await client.raiseEvent(id, "Finish", "finished");
    const done = await runtime.host.waitForCompletion(id);
    expect(done.output).toEqual({
      error: expect.stringContaining("Activity function 'gated' failed: Timeout value of 00:00:01 was exceeded by function: Functions.gated") as unknown,
      finish: "finished",
    });
    const history = await runtime.host.getHistory(id);
    expect(history.filter((e) => e.EventType === EventType.TaskScheduled)).toHaveLength(2);
    expect(history.filter((e) => e.EventType === EventType.TaskFailed)).toHaveLength(2);
    expect(history.filter((e) => e.EventType === EventType.TaskCompleted)).toHaveLength(0);
  });

  it("restarts the worker when the timed-out invocation outlives the grace period, failing its neighbours at their own timeout", async () => {
    const runtime = await startRuntime({
      storageConnectionString: testStorage(), taskHub: uniquePrefix("rst"), port: 0, timers: false, log: logs.log,
      functionTimeoutMs: 4000, timeoutGracePeriodMs: 100,
    });
    started.push(runtime);
    const client = durableClientFor(runtime.host.clientData());
    const culprit = uniquePrefix("culprit");
    const bystander = uniquePrefix("bystander");
    const id = await client.startNew("workerRestart", { input: { culprit, bystander } });

    // The culprit times out at 4 s and is still running 100 ms later: the worker restarts. The
    // bystander started about 2 s after it, so its own deadline is about 2 s away yet.
    await waitFor("the worker restart", () => (runtime.host.metrics().workerRestarts === 1 ? true : undefined), 30_000);
    expect(gate(bystander).entered).toBe(1);
    gate(culprit).open();
    gate(bystander).open(); // it returns well before its deadline, but on a worker that no longer exists
    await waitFor("both invocations to return", () => (gate(culprit).left + gate(bystander).left === 2 ? true : undefined));

    const done = await runtime.host.waitForCompletion(id, 30_000);
    const timedOut = "Activity function 'gated' failed: Timeout value of 00:00:04 was exceeded by function: Functions.gated";
    expect(done.output).toEqual({ bystander: expect.stringContaining(timedOut) as unknown, culprit: expect.stringContaining(timedOut) as unknown });
    expect(runtime.host.metrics().activityTimeouts).toBe(2);
    const history = await runtime.host.getHistory(id);
    expect(history.filter((e) => e.EventType === EventType.TaskCompleted)).toHaveLength(0);
    expect(logs.lines.some((l) => l.includes("restarting the worker; 1 other activity invocation(s) on it are lost"))).toBe(true);
  });
});
