// A new host over the same task hub resumes what the previous one left: armed timers, waiting
// sub-orchestrations, inbox messages no episode consumed yet. Also: the table, not memory, decides.
import "../../local/functionsCore";
import { afterEach, describe, expect, it } from "vitest";
import { DurableHost } from "../../local/durable/host";
import { EventType } from "../../local/durable/wire";
import { startRuntime, type RunningRuntime } from "../../local/runtime";
import { testStorage, uniquePrefix } from "../support/storage";
import "./fixtures/durableSamples";
import { durableClientFor, logCollector } from "./support";

const logs = logCollector();
const started: RunningRuntime[] = [];

async function runtimeOn(taskHub: string, options: { fireTimersImmediately?: boolean } = {}): Promise<RunningRuntime> {
  const runtime = await startRuntime({ storageConnectionString: testStorage(), taskHub, port: 0, timers: false, log: logs.log, ...options });
  started.push(runtime);
  return runtime;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.stop()));
});

describe("recovery by a new host", () => {
  it("re-arms timers, keeps waiting children, and drains inbox messages left behind", async () => {
    const taskHub = uniquePrefix("rec");
    const first = await runtimeOn(taskHub); // real timers: the 1-day nap cannot fire here
    const client = durableClientFor(first.host.clientData());
    const napper = await client.startNew("napper", { input: 24 * 3600 * 1000 });
    const waiter = await client.startNew("waiter");
    const parent = await client.startNew("parentOfWaiter");
    await first.host.waitForState(napper, (s) => Object.keys(s.pending).length === 1);
    await first.host.waitForState(waiter, (s) => s.runtimeStatus === "Running");
    await first.host.waitForState(`${parent}-waiter`, (s) => s.runtimeStatus === "Running");
    await first.stop();

    // A raised event that reached the inbox while no host was running.
    const offline = new DurableHost({ storageConnectionString: testStorage(), taskHub, log: logs.log });
    await offline.store.appendInbox(waiter, { event: { EventType: EventType.EventRaised, EventId: -1, Timestamp: new Date().toISOString(), Name: "Go", Input: JSON.stringify({ late: true }) } });

    const second = await runtimeOn(taskHub, { fireTimersImmediately: true });
    const napped = await second.host.waitForCompletion(napper);
    expect(napped.runtimeStatus).toBe("Completed");
    expect((await second.host.waitForCompletion(waiter)).output).toEqual({ late: true });

    // The child was not started twice: raising its event completes it and then the parent.
    const secondClient = durableClientFor(second.host.clientData());
    await secondClient.raiseEvent(`${parent}-waiter`, "Go", "from the second host");
    const done = await second.host.waitForCompletion(parent);
    expect(done.output).toEqual({ childResult: "from the second host" });
    const parentHistory = await second.host.getHistory(parent);
    expect(parentHistory.filter((e) => e.EventType === EventType.SubOrchestrationInstanceCreated)).toHaveLength(1);
  });
});

describe("the table is the source of truth", () => {
  it("a host answers from the table, and a checkpoint made from a stale read is refused", async () => {
    const taskHub = uniquePrefix("two");
    const a = new DurableHost({ storageConnectionString: testStorage(), taskHub, log: logs.log });
    const b = new DurableHost({ storageConnectionString: testStorage(), taskHub, log: logs.log });
    await a.start();
    try {
      const id = await a.startNew("waiter");
      await a.waitForState(id, (s) => s.runtimeStatus === "Running");
      const staleRead = await a.store.load(id); // what a saw while the instance was running
      expect(await b.raiseEvent(id, "Go", "from b")).toBe("accepted");
      expect((await b.waitForCompletion(id)).output).toBe("from b");

      // a keeps no copy of its own: it sees the instance finished.
      expect(await a.raiseEvent(id, "Go", "from a")).toBe("gone");
      // A checkpoint based on the old read loses against the newer one (etag), it does not overwrite it.
      await expect(
        a.store.checkpoint({ state: { ...staleRead!.state, runtimeStatus: "Completed", output: "from a" }, expectedEtag: staleRead!.etag, previousStateParts: staleRead!.stateParts }),
      ).rejects.toThrow(new RegExp(`instance '${id}' was changed by someone else`));
      expect((await a.getState(id))?.output).toBe("from b");
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
