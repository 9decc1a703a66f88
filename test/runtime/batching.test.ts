// Message batching as the Azure Storage backend does it: one episode consumes up to 32 messages of
// an instance (controlQueueBatchSize), so a wide fan-in is not one replay per completion. Sequence
// ids stay right when a batch mixes failures that start retries with plain completions.
import "../../local/functionsCore";
import { afterEach, describe, expect, it } from "vitest";
import { DurableHost } from "../../local/durable/host";
import { taskCompletedEvent, taskFailedEvent } from "../../local/durable/failures";
import { EventType, type HistoryEvent } from "../../local/durable/wire";
import { testStorage, uniquePrefix } from "../support/storage";
import { gate, keyedCalls, resetGates } from "./fixtures/strictSamples";
import { durableClientFor, logCollector, runtimeStarter, waitFor } from "./support";

const logs = logCollector();
const runtimes = runtimeStarter(logs.log);
const runtimeOn = runtimes.start;

afterEach(async () => {
  resetGates();
  await runtimes.stopAll(100);
});

function raised(value: number): HistoryEvent {
  return { EventType: EventType.EventRaised, EventId: -1, Timestamp: new Date().toISOString(), Name: "Go", Input: JSON.stringify(value) };
}

describe("message batching", () => {
  it.each([
    { label: "the default batch", batchSize: undefined, largest: 32, episodes: 3 },
    { label: "controlQueueBatchSize 10", batchSize: 10, largest: 10, episodes: 7 },
  ])("consumes the messages waiting in the inbox in batches ($label: up to $largest an episode, $episodes episodes for 70)", async ({ batchSize, largest, episodes }) => {
    const taskHub = uniquePrefix("batch");
    const first = await runtimeOn(taskHub);
    const id = await durableClientFor(first.host.clientData()).startNew("eventFanIn", { input: 70 });
    await first.host.waitForState(id, (s) => s.sequencing.actionSignatures.length === 1);
    await first.stop();
    // Seventy events reach the inbox while no host runs; the next host finds them all waiting.
    const offline = new DurableHost({ storageConnectionString: testStorage(), taskHub, log: logs.log });
    for (let i = 0; i < 70; i++) await offline.store.appendInbox(id, { event: raised(i) });

    const second = await runtimeOn(taskHub, { controlQueueBatchSize: batchSize });
    expect((await second.host.waitForCompletion(id)).output).toEqual(Array.from({ length: 70 }, (_, i) => i));
    expect(second.host.metrics(id)).toMatchObject({ episodes, messages: 70, largestBatch: largest });
  });

  it("folds a live fan-in of 100 completions into far fewer episodes", async () => {
    const runtime = await runtimeOn(uniquePrefix("fanin"), { maxConcurrentActivityFunctions: 100 });
    const held = uniquePrefix("fanin");
    const id = await durableClientFor(runtime.host.clientData()).startNew("gatedFanOut", { input: { n: 100, gate: held } });
    await waitFor("all 100 activities to run", () => (gate(held).entered === 100 ? true : undefined));
    gate(held).open();
    expect((await runtime.host.waitForCompletion(id)).output).toEqual({ count: 100, sum: 4950 });
    const m = runtime.host.metrics(id)!;
    if (process.env.DURABLE_PRINT_METRICS) console.log(`[measure] live fan-in of 100: ${JSON.stringify(m)}`);
    expect(m.messages).toBe(101); // the start and 100 completions
    expect(m.largestBatch).toBeGreaterThan(1);
    expect(m.largestBatch).toBeLessThanOrEqual(32);
    expect(m.episodes).toBeLessThan(34); // one episode per completion would be 101
  });

  it("numbers retries right when one batch mixes failed attempts and completions", async () => {
    const taskHub = uniquePrefix("mix");
    const keys = ["a", "b", "c", "d"].map((k) => uniquePrefix(k));
    const names = ["n1", "n2", "n3", "n4"];
    const held = uniquePrefix("mix");
    const first = await runtimeOn(taskHub);
    const id = await durableClientFor(first.host.clientData()).startNew("retryMix", { input: { keys, names, gate: held } });
    const waiting = await first.host.waitForState(id, (s) => Object.keys(s.pending).length === 8);
    await first.stop(100); // its held activities never report: their answers are written below instead

    // Ids 0-3: first attempts with retry; 4-7: plain calls. One batch, failures and completions interleaved.
    expect(Object.entries(waiting.pending).map(([taskId, w]) => `${taskId}:${w.kind === "activity" ? w.name : w.kind}`)).toEqual([
      "0:heldThenFlaky", "1:heldThenFlaky", "2:heldThenFlaky", "3:heldThenFlaky", "4:gated", "5:gated", "6:gated", "7:gated",
    ]);
    const now = new Date().toISOString();
    const offline = new DurableHost({ storageConnectionString: testStorage(), taskHub, log: logs.log });
    const answers = [
      taskFailedEvent(2, new Error("first attempt of c fails"), now),
      taskCompletedEvent(5, "Hello n2", now),
      taskFailedEvent(0, new Error("first attempt of a fails"), now),
      taskCompletedEvent(7, "Hello n4", now),
      taskCompletedEvent(4, "Hello n1", now),
      taskFailedEvent(3, new Error("first attempt of d fails"), now),
      taskFailedEvent(1, new Error("first attempt of b fails"), now),
      taskCompletedEvent(6, "Hello n3", now),
    ];
    for (const event of answers) await offline.store.appendInbox(id, { event, executionId: waiting.executionId });

    const second = await runtimeOn(taskHub, { fireTimersImmediately: true });
    const done = await second.host.waitForCompletion(id);
    // Each key: attempt 1 (held in the first host) failed above, attempt 2 failed, attempt 3 succeeded.
    expect(done.output).toEqual([...keys.map((k) => `ok ${k} on call 3`), "Hello n1", "Hello n2", "Hello n3", "Hello n4"]);
    for (const k of keys) expect(keyedCalls.get(k)).toBe(3);

    const history = await second.host.getHistory(id);
    const episodes = history.filter((e) => e.EventType === EventType.OrchestratorStarted);
    expect(history.slice(history.indexOf(episodes[1]) + 1, history.indexOf(episodes[1]) + 9)).toEqual(answers);
    // Every completion answers a task scheduled before it, and no id is scheduled twice.
    const scheduled: number[] = [];
    for (const e of history) {
      if (e.EventType === EventType.TaskScheduled || e.EventType === EventType.TimerCreated) scheduled.push(e.EventId);
      const answered = e.TaskScheduledId ?? e.TimerId;
      if (answered !== undefined) expect(scheduled, `event ${e.EventType} for task ${answered}`).toContain(answered);
    }
    expect(new Set(scheduled).size).toBe(scheduled.length);
    // The four retry timers opened by that batch: ids 8-11, in the order of the failures.
    expect(history.filter((e) => e.EventType === EventType.TimerCreated).slice(0, 4).map((e) => e.EventId)).toEqual([8, 9, 10, 11]);
  });
});
