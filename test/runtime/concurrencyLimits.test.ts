// maxConcurrentActivityFunctions and maxConcurrentOrchestratorFunctions, from host.json or the
// runtime's options, with the host's own counters (peakConcurrentActivities, peakConcurrentEpisodes)
// and the activities' own count of who ran at the same time.
import "../../local/functionsCore";
import { afterEach, describe, expect, it } from "vitest";
import { DurableHost } from "../../local/durable/host";
import type { RunningRuntime } from "../../local/runtime";
import { EventType } from "../../local/durable/wire";
import { testStorage, uniquePrefix } from "../support/storage";
import { concurrency } from "./fixtures/durableSamples";
import { durableClientFor, logCollector, runtimeStarter } from "./support";

const logs = logCollector();
const runtimes = runtimeStarter(logs.log);
const runtimeOn = runtimes.start;

afterEach(async () => {
  await runtimes.stopAll();
});

async function peakOfProbes(runtime: RunningRuntime, probes: number): Promise<number> {
  concurrency.max = 0;
  const client = durableClientFor(runtime.host.clientData());
  const id = await client.startNew("probeFanOut", { input: probes });
  expect((await runtime.host.waitForCompletion(id)).runtimeStatus).toBe("Completed");
  expect(runtime.host.metrics().peakConcurrentActivities).toBe(concurrency.max);
  return concurrency.max;
}

describe("maxConcurrentActivityFunctions", () => {
  it("comes from host.json", async () => {
    const runtime = await runtimeOn(uniquePrefix("actj"), { hostJson: { extensions: { durableTask: { maxConcurrentActivityFunctions: 2 } } } });
    expect(runtime.durable.maxConcurrentActivityFunctions).toBe(2);
    expect(await peakOfProbes(runtime, 12)).toBe(2);
  });

  it("is overridden by the runtime's options", async () => {
    const runtime = await runtimeOn(uniquePrefix("acto"), { maxConcurrentActivityFunctions: 3 });
    expect(await peakOfProbes(runtime, 12)).toBe(3);
  });

  it("defaults to the app's host.json", async () => {
    const runtime = await runtimeOn(uniquePrefix("actd"));
    expect(runtime.durable.maxConcurrentActivityFunctions).toBe(8); // keyward's host.json
    expect(runtime.durable.maxConcurrentOrchestratorFunctions).toBe(8);
  });
});

describe("maxConcurrentOrchestratorFunctions", () => {
  // Ten instances whose next message is already waiting when a host starts: recovery schedules all
  // ten episodes at once, so how many run together is set by the limit alone.
  async function tenWaitingInstances(taskHub: string): Promise<string[]> {
    const first = await runtimeOn(taskHub);
    const client = durableClientFor(first.host.clientData());
    const ids = await Promise.all(Array.from({ length: 10 }, () => client.startNew("waiter")));
    for (const id of ids) await first.host.waitForState(id, (s) => s.runtimeStatus === "Running");
    await first.stop();
    const offline = new DurableHost({ storageConnectionString: testStorage(), taskHub, log: logs.log });
    for (const [i, id] of ids.entries()) {
      await offline.store.appendInbox(id, { event: { EventType: EventType.EventRaised, EventId: -1, Timestamp: new Date().toISOString(), Name: "Go", Input: JSON.stringify(i) } });
    }
    return ids;
  }

  it.each([
    ["host.json", { hostJson: { extensions: { durableTask: { maxConcurrentOrchestratorFunctions: 2 } } } }, 2],
    ["the runtime's options", { maxConcurrentOrchestratorFunctions: 3 }, 3],
    ["a limit above the instance count", { maxConcurrentOrchestratorFunctions: 50 }, 10],
  ])("limits the episodes running at once (%s)", async (_source, options, expected) => {
    const taskHub = uniquePrefix("orch");
    const ids = await tenWaitingInstances(taskHub);
    const second = await runtimeOn(taskHub, options);
    for (const [i, id] of ids.entries()) expect((await second.host.waitForCompletion(id)).output).toBe(i);
    expect(second.host.metrics().peakConcurrentEpisodes).toBe(expected);
  });
});
