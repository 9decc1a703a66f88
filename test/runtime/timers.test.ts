// Timer functions on their schedules, runOnStartup, triggering by name, stopping.
import "../../local/functionsCore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TimerTriggers, resolveSchedule } from "../../local/timers";
import { startRuntime, type RunningRuntime } from "../../local/runtime";
import { testStorage, uniquePrefix } from "../support/storage";
import { seen } from "./fixtures/triggerSamples";
import { logCollector, waitFor } from "./support";

const logs = logCollector();

describe("timer triggers", () => {
  let timers: TimerTriggers;
  beforeAll(() => {
    seen.timers.length = 0;
    timers = new TimerTriggers({ log: logs.log });
    timers.start();
  });
  afterAll(async () => {
    await timers.stop();
  });

  it("runs runOnStartup functions once at start, not past due", async () => {
    const run = await waitFor("the startup run", () => seen.timers.find((t) => t.fn === "onStartup"));
    expect(run.timer.isPastDue).toBe(false);
    expect(Date.parse(run.timer.scheduleStatus.next)).toBeGreaterThan(Date.now());
    expect(seen.timers.filter((t) => t.fn === "onStartup")).toHaveLength(1);
  });

  it("runs a function on its schedule, at whole seconds", async () => {
    const runs = await waitFor("two scheduled runs", () => {
      const r = seen.timers.filter((t) => t.fn === "everySecond");
      return r.length >= 2 ? r : undefined;
    }, 10_000);
    expect(runs[1].at).toBeGreaterThan(runs[0].at);
    expect(timers.nextRun("everySecond")?.getUTCMilliseconds()).toBe(0);
    expect(timers.nextRun("everyFiveSeconds")!.getUTCSeconds() % 5).toBe(0);
  });

  it("triggers a timer function by name at once", async () => {
    const before = seen.timers.filter((t) => t.fn === "everyFiveSeconds").length;
    await timers.trigger("everyFiveSeconds");
    const runs = seen.timers.filter((t) => t.fn === "everyFiveSeconds");
    expect(runs.length).toBe(before + 1);
    expect(runs[runs.length - 1].timer.isPastDue).toBe(false);
    await expect(timers.trigger("noSuchTimer")).rejects.toThrow(/not registered/);
    await expect(timers.trigger("binaryEcho")).rejects.toThrow(/httpTrigger, not a timerTrigger/);
  });

  it("disarms everything on stop", async () => {
    const own = new TimerTriggers({ log: logs.log });
    own.start();
    expect(own.armed).toBeGreaterThan(0);
    await own.stop();
    expect(own.armed).toBe(0);
  });

  it("resolves %APP_SETTING% schedules from the environment", () => {
    process.env.TEST_TIMER_SCHEDULE = "0 */2 * * * *";
    expect(resolveSchedule("%TEST_TIMER_SCHEDULE%")).toBe("0 */2 * * * *");
    expect(() => resolveSchedule("%MISSING_TIMER_SCHEDULE%")).toThrow(/not set/);
  });
});

describe("the runtime's timers", () => {
  let runtime: RunningRuntime;
  afterAll(async () => {
    await runtime?.stop();
  });

  it("can be triggered through the runtime even when schedules are off", async () => {
    runtime = await startRuntime({ storageConnectionString: testStorage(), taskHub: uniquePrefix("tmr"), port: 0, timers: false, log: logs.log });
    const before = seen.timers.length;
    await runtime.triggerTimer("onStartup");
    expect(seen.timers.length).toBe(before + 1);
    expect(seen.timers[seen.timers.length - 1].fn).toBe("onStartup");
  });
});
