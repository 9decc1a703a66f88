// The driver's own semantics, on tiny flows written here: if the driver resolved tasks unlike the
// engine, every flow test built on it would prove nothing.
import { describe, expect, it } from "vitest";
import type { OrchestrationContext, Task } from "durable-functions";
import { orchestrator, callOrchestrator, type Sent } from "../../orchestrations/orchestrator";
import { proxyActivities, all } from "../../orchestrations/activityProxy";
import type { ActivityTable } from "../../activities";
import { runOrchestration, DEFAULT_START } from "./support/driver";
import { DriverError } from "./support/driverError";
import { alwaysThrows } from "./support/activityStubs";

const retry = { firstRetryIntervalMs: 1000, maxAttempts: 3, backoffCoefficient: 2, maxRetryIntervalMs: 1500 };
const at = (ms: number) => new Date(DEFAULT_START.getTime() + ms).toISOString();
const rewrap = (environmentId: string) => ({ operationId: "op", tenantId: "t", environmentId, dataId: `data-${environmentId}`, policy: "p", keyId: "k/2" });

function flow<O>(body: (context: OrchestrationContext) => Generator<Task, O, Sent>) {
  return orchestrator<Record<string, never>, O>("driverTestFlow", (context) => body(context));
}

describe("activities and retries", () => {
  it("retries a throwing activity as RetryOptions say, advancing the clock by each back-off", async () => {
    const run = await runOrchestration(flow(function* (context) {
      const act = proxyActivities<ActivityTable>(context, retry);
      const out = yield* act.rewrapEnvironment(rewrap("e1"));
      return { out, now: context.df.currentUtcDateTime.toISOString() };
    }), {}, {
      stubs: {
        rewrapEnvironment: (input, { attempt }) => {
          if (attempt < 3) throw new Error(`flaky ${attempt}`);
          return { outcome: "ok", rewrapped: 2, environmentId: input.environmentId };
        },
      },
    });
    expect(run.output.out).toEqual({ outcome: "ok", rewrapped: 2, environmentId: "e1" });
    // Back-offs: 1000, then min(1000 * 2, 1500).
    expect(run.callsTo("rewrapEnvironment").map((c) => [c.attempt, c.at, c.result.ok])).toEqual([[1, at(0), false], [2, at(1000), false], [3, at(2500), true]]);
    expect(run.output.now).toBe(at(2500));
  });

  it("throws the last failure into the flow once maxAttempts are spent, on its first line", async () => {
    const run = await runOrchestration(flow(function* (context) {
      const act = proxyActivities<ActivityTable>(context, retry);
      try {
        yield* act.rewrapEnvironment(rewrap("e1"));
        return "not thrown";
      } catch (err) {
        return (err as Error).message;
      }
    }), {}, { stubs: { rewrapEnvironment: alwaysThrows("vault unreachable") } });
    expect(run.callsTo("rewrapEnvironment")).toHaveLength(3);
    expect(run.output.split("\n")[0].trim()).toBe("vault unreachable");
    // The back-off after the last attempt runs too, as durable-functions' RetryableTask does.
    expect(run.endedAt.toISOString()).toBe(at(1000 + 1500 + 1500));
  });

  it("fails the orchestration when the flow does not catch", async () => {
    const run = await runOrchestration(flow(function* (context) {
      yield* proxyActivities<ActivityTable>(context, { ...retry, maxAttempts: 1 }).rewrapEnvironment(rewrap("e1"));
      return "done";
    }), {}, { stubs: { rewrapEnvironment: alwaysThrows("no") } });
    expect(run.status).toBe("Failed");
    expect(run.error.message).toMatch(/^no/);
    expect(() => run.output).toThrow(/failed instead of completing/);
  });

  it("passes inputs and outputs through JSON, as the engine stores them, at the moment of the yield", async () => {
    const run = await runOrchestration(flow(function* (context) {
      const act = proxyActivities<ActivityTable>(context, retry);
      const progress = { done: 1, total: 9, unit: "items" as const };
      const out = yield* act.setEncryption({ operationId: "op", tenantId: "t", environmentId: "e1", status: "Encrypting", progress, policy: undefined });
      progress.done = 5;
      return out;
    }), {}, { stubs: { setEncryption: () => undefined } });
    expect(run.inputsTo("setEncryption")).toEqual([{ operationId: "op", tenantId: "t", environmentId: "e1", status: "Encrypting", progress: { done: 1, total: 9, unit: "items" } }]);
    expect(Object.keys(run.inputsTo("setEncryption")[0])).not.toContain("policy");
    expect(run.output).toBeNull();
  });
});

describe("Task.all", () => {
  it("runs every task, returns the outputs in order", async () => {
    const run = await runOrchestration(flow(function* (context) {
      const act = proxyActivities<ActivityTable>(context, retry);
      return yield* all(context, ["a", "b", "c"].map((id) => act.rewrapEnvironment.start(rewrap(id))));
    }), {}, { stubs: { rewrapEnvironment: (i) => ({ outcome: "ok", rewrapped: i.environmentId.length, environmentId: i.environmentId }) } });
    expect(run.output.map((r) => r.environmentId)).toEqual(["a", "b", "c"]);
  });

  it("still runs every task when one fails, then throws the first failure in order", async () => {
    const run = await runOrchestration(flow(function* (context) {
      const act = proxyActivities<ActivityTable>(context, { ...retry, maxAttempts: 1 });
      try {
        yield* all(context, ["a", "b", "c"].map((id) => act.rewrapEnvironment.start(rewrap(id))));
        return "not thrown";
      } catch (err) {
        return (err as Error).message;
      }
    }), {}, {
      stubs: {
        rewrapEnvironment: (i) => {
          if (i.environmentId !== "a") throw new Error(`failed ${i.environmentId}`);
          return { outcome: "ok", rewrapped: 1, environmentId: "a" };
        },
      },
    });
    expect(run.inputsTo("rewrapEnvironment").map((i) => i.environmentId)).toEqual(["a", "b", "c"]);
    expect(run.output).toMatch(/^failed b/);
  });

  it("of no task throws inside the flow, as durable-functions' WhenAllTask does", async () => {
    const run = await runOrchestration(flow(function* (context) {
      try {
        yield context.df.Task.all([]);
        return "no throw";
      } catch (err) {
        return (err as Error).message;
      }
    }), {}, { stubs: {} });
    expect(run.output).toMatch(/must specify at least one Task/);
  });
});

describe("Task.any and continueAsNew", () => {
  it("Task.any resolves to its first task (the winner itself), and to one already done before the rest", async () => {
    const run = await runOrchestration(flow(function* (context) {
      const act = proxyActivities<ActivityTable>(context, retry);
      const a = act.rewrapEnvironment.start(rewrap("a"));
      const b = act.rewrapEnvironment.start(rewrap("b"));
      const first: Task = yield context.df.Task.any([a, b]);
      const second: Task = yield context.df.Task.any([b, a]);
      return { first: first === a, second: second === a, result: (first.result as { environmentId: string }).environmentId };
    }), {}, { stubs: { rewrapEnvironment: (i) => ({ outcome: "ok", rewrapped: 1, environmentId: i.environmentId }) } });
    // b never ran: a was already done when the second Task.any was made.
    expect(run.output).toEqual({ first: true, second: true, result: "a" });
    expect(run.inputsTo("rewrapEnvironment").map((i) => i.environmentId)).toEqual(["a"]);
  });

  it("continueAsNew starts the next execution with the new input, under the same id, and records each execution's yields", async () => {
    const counter = orchestrator<{ n: number }, number>("driverCounter", function* (context, input) {
      const act = proxyActivities<ActivityTable>(context, retry);
      yield* act.rewrapEnvironment(rewrap(`e${input.n}`));
      if (input.n < 3) {
        context.df.continueAsNew({ n: input.n + 1 });
        return -1;
      }
      return input.n;
    });
    const run = await runOrchestration(counter, { n: 1 }, { stubs: { rewrapEnvironment: (i) => ({ outcome: "ok", rewrapped: 1, environmentId: i.environmentId }) } });
    expect(run.output).toBe(3);
    expect(run.executions().map((e) => [e.execution, e.yields, e.input])).toEqual([[1, 1, { n: 1 }], [2, 1, { n: 2 }], [3, 1, { n: 3 }]]);
    expect(run.largestExecution).toBe(1);
  });
});

describe("timers, custom status, sub-orchestrations", () => {
  it("fires a timer at once and moves the clock to it", async () => {
    const run = await runOrchestration(flow(function* (context) {
      const start = context.df.currentUtcDateTime.getTime();
      yield context.df.createTimer(new Date(start + 90_000));
      return context.df.currentUtcDateTime.getTime() - start;
    }), {}, { stubs: {} });
    expect(run.output).toBe(90_000);
    expect(run.timers).toEqual([{ instanceId: "instance-1", createdAt: at(0), fireAt: at(90_000) }]);
  });

  it("records custom statuses as snapshots, per instance", async () => {
    const child = orchestrator<{ n: number }, number>("child", function* (context, input) {
      context.df.setCustomStatus({ child: input.n });
      if (input.n < 0) throw new Error("negative");
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 1000));
      return input.n * 2;
    });
    const parent = orchestrator<Record<string, never>, unknown>("parent", function* (context) {
      const status = { step: 1 };
      context.df.setCustomStatus(status);
      status.step = 2;
      const doubled = yield* callOrchestrator(context, child, { n: 21 }, "child-a");
      let failure = "";
      try {
        yield* callOrchestrator(context, child, { n: -1 });
      } catch (err) {
        failure = (err as Error).message;
      }
      context.df.setCustomStatus(status);
      return { doubled, failure };
    });
    const run = await runOrchestration(parent, {}, { stubs: {}, orchestrations: { child, parent } });
    expect(run.output).toEqual({ doubled: 42, failure: expect.stringMatching(/^negative/) });
    expect(run.customStatuses()).toEqual([{ step: 1 }, { step: 2 }]);
    expect(run.customStatuses("child-a")).toEqual([{ child: 21 }]);
    expect(run.subOrchestrations.map((s) => [s.name, s.instanceId, s.result?.ok])).toEqual([["child", "child-a", true], ["child", "instance-1:2", false]]);
  });
});

describe("mistakes in a test abort the run, even inside a flow's catch", () => {
  const swallowing = (body: (context: OrchestrationContext) => Generator<Task, unknown, Sent>) => flow(function* (context) {
    try {
      return yield* body(context);
    } catch {
      return "swallowed";
    }
  });

  it("an activity without a stub", async () => {
    await expect(runOrchestration(swallowing(function* (context) {
      return yield* proxyActivities<ActivityTable>(context, retry).finishRekey({ operationId: "o", tenantId: "t", environmentId: "e", dataId: "data-e", targetDekId: "d", target: { kind: "PlatformManaged" } });
    }), {}, { stubs: {} })).rejects.toThrow(DriverError);
  });

  it("a context method the fake does not implement", async () => {
    await expect(runOrchestration(swallowing(function* (context) {
      return yield context.df.waitForExternalEvent("approval");
    }), {}, { stubs: {} })).rejects.toThrow(/does not implement context.df.waitForExternalEvent/);
  });

  it("a yield of something that is not a task", async () => {
    await expect(runOrchestration(flow(function* () {
      return yield Promise.resolve(1) as unknown as Task;
    }), {}, { stubs: {} })).rejects.toThrow(/not a task/);
  });

  it("a flow that never ends", async () => {
    await expect(runOrchestration(flow(function* (context) {
      for (;;) yield context.df.createTimer(new Date(0));
    }), {}, { stubs: {}, maxSteps: 50 })).rejects.toThrow(/did not finish within 50 yields/);
  });
});
