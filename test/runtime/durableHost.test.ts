// The durable host driven through the real DurableClient, against real Azurite tables.
import "../../local/functionsCore";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as df from "durable-functions";
import { startRuntime, type RunningRuntime } from "../../local/runtime";
import { testStorage, uniquePrefix } from "../support/storage";
import { calls, seenInstanceIds, startedByTriggers } from "./fixtures/durableSamples";
import { durableClientFor, logCollector } from "./support";

let runtime: RunningRuntime;
let client: df.DurableClient;
/** A second runtime in the same process, on its own task hub, whose timers wait for real. */
let realTime: RunningRuntime;
let realTimeClient: df.DurableClient;
const logs = logCollector();

beforeAll(async () => {
  runtime = await startRuntime({
    storageConnectionString: testStorage(),
    taskHub: uniquePrefix("hub"),
    port: 0,
    timers: false,
    fireTimersImmediately: true,
    log: logs.log,
    // The sample functions answer under the Functions host's default prefix (keyward's own host.json sets "").
    routePrefix: "api",
  });
  client = durableClientFor(runtime.host.clientData());
  realTime = await startRuntime({ storageConnectionString: testStorage(), taskHub: uniquePrefix("hub"), port: 0, timers: false, log: logs.log, routePrefix: "api" });
  realTimeClient = durableClientFor(realTime.host.clientData());
});

afterAll(async () => {
  await runtime?.stop();
  await realTime?.stop();
});

beforeEach(() => calls.clear());

async function run(name: string, input?: unknown, instanceId?: string): Promise<df.DurableOrchestrationStatus> {
  const id = await client.startNew(name, { input, instanceId });
  await runtime.host.waitForCompletion(id);
  return client.getStatus(id, { showInput: true });
}

describe("orchestrations through the real DurableClient", () => {
  it("starts through an HTTP starter function and answers the check-status payload", async () => {
    const res = await fetch(`${runtime.apiBaseUrl}/orchestrators/sequence`, { method: "POST", body: JSON.stringify({ who: "me" }) });
    expect(res.status).toBe(202);
    const payload = (await res.json()) as { id: string; statusQueryGetUri: string; sendEventPostUri: string };
    expect(payload.statusQueryGetUri).toContain(`/runtime/webhooks/durabletask/instances/${payload.id}`);
    expect(res.headers.get("location")).toBe(payload.statusQueryGetUri);

    await runtime.host.waitForCompletion(payload.id);
    const status = await client.getStatus(payload.id);
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toEqual({ out: ["Hello Tokyo", "Hello Seattle", "Hello London"], input: { who: "me" } });
    expect(status.customStatus).toEqual({ step: "done", cities: 3 });
    expect(calls.get("hello")).toBe(3); // each activity ran once, replays did not re-run them

    // The status URL handed to callers works, with the extension's condensed history.
    const viaUrl = await fetch(`${payload.statusQueryGetUri}&showHistory=true&showHistoryOutput=true`);
    expect(viaUrl.status).toBe(200);
    const body = (await viaUrl.json()) as { historyEvents: Array<Record<string, unknown>> };
    expect(body.historyEvents.map((e) => e.EventType)).toEqual(["ExecutionStarted", "TaskCompleted", "TaskCompleted", "TaskCompleted", "ExecutionCompleted"]);
    expect(body.historyEvents[1]).toMatchObject({ FunctionName: "hello", Result: "Hello Tokyo" });

    const withoutInput = await fetch(`${payload.statusQueryGetUri}&showInput=false`);
    expect(((await withoutInput.json()) as { input: unknown }).input).toBeNull();

    // A function with a durableClient input can use df.getClient(context) unchanged.
    const fromFunction = await fetch(`${runtime.apiBaseUrl}/status/${payload.id}`);
    expect(await fromFunction.json()).toEqual({ runtimeStatus: "Completed", output: status.output });
  });

  it("hands out management URLs on the runtime's own origin", async () => {
    const id = await realTimeClient.startNew("waiter");
    expect(realTimeClient.createHttpManagementPayload(id).statusQueryGetUri).toBe(
      `${realTime.baseUrl}/runtime/webhooks/durabletask/instances/${id}?taskHub=${realTime.host.taskHub}&connection=Storage&code=${encodeURIComponent(realTime.systemKeys.durabletask)}`,
    );
    await realTimeClient.terminate(id, "done");
  });

  it("refuses the durable webhooks without the durabletask_extension key, and serves the rpc API only on loopback's own listener", async () => {
    const id = await realTimeClient.startNew("waiter");
    const base = `${realTime.baseUrl}/runtime/webhooks/durabletask`;
    const hub = `taskHub=${realTime.host.taskHub}&connection=Storage`;
    for (const [method, path] of [["GET", `/instances/${id}?${hub}`], ["POST", `/instances/${id}/terminate?${hub}&reason=x`], ["POST", `/orchestrators/waiter?${hub}`]] as const) {
      for (const code of ["", "&code=wrong", `&code=${encodeURIComponent(realTime.systemKeys.eventgrid)}`]) {
        const res = await fetch(`${base}${path}${code}`, { method });
        expect(res.status, `${method} ${path}${code}`).toBe(401);
      }
    }
    // The rpc API the in-process client uses is not on the public port.
    const rpc = await fetch(`${realTime.baseUrl}/durabletask/instances/${id}`);
    expect(rpc.status).toBe(404);
    // Nothing was terminated or started by the refused calls.
    expect((await realTimeClient.getStatus(id)).runtimeStatus).toBe("Running");
    expect((await realTimeClient.getStatusAll()).filter((s) => s.name === "waiter" && s.runtimeStatus === "Running").map((s) => s.instanceId)).toEqual([id]);
    // With the key, in the header or the query, the same calls are answered.
    const withHeader = await fetch(`${base}/instances/${id}?${hub}`, { headers: { "x-functions-key": realTime.systemKeys.durabletask } });
    expect(withHeader.status).toBe(202);
    await realTimeClient.terminate(id, "done");
  });

  it("fans out with Task.all and passes values across the JSON boundary", async () => {
    const status = await run("fanOut", 6);
    expect(status.runtimeStatus).toBe("Completed");
    const output = status.output as { greetings: string[]; echoed: unknown; id: string };
    expect(output.greetings).toEqual(["Hello n0", "Hello n1", "Hello n2", "Hello n3", "Hello n4", "Hello n5"]);
    expect(output.echoed).toEqual({ input: { when: "2024-01-01T00:00:00.000Z", text: "ünï ✓" }, type: "object" });
    expect(output.id).toBe(status.instanceId);
    expect(seenInstanceIds).toContain(status.instanceId);
  });

  it("fans out to hundreds of activities (one history row per episode, whatever the count)", async () => {
    const status = await run("fanOut", 300);
    expect(status.runtimeStatus).toBe("Completed");
    expect((status.output as { greetings: string[] }).greetings).toHaveLength(300);
    expect(calls.get("hello")).toBe(300);
  });

  it("retries failed activities with a timer per failed attempt, then surfaces the last error", async () => {
    const status = await run("retry");
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toEqual({ ok: "ok after 3", error: expect.stringContaining("boom") as unknown });
    expect(calls.get("flaky")).toBe(3);
    expect(calls.get("alwaysFails")).toBe(2);

    const history = await runtime.host.getHistory(status.instanceId);
    const shape = history
      .filter((e) => e.EventType !== 12 && e.EventType !== 13)
      .map((e) => `${e.EventType}:${e.EventId >= 0 ? e.EventId : (e.TaskScheduledId ?? e.TimerId ?? "")}`);
    // TaskScheduled(4) / TaskFailed(6) / TimerCreated(10) / TimerFired(11) / TaskCompleted(5)
    expect(shape).toEqual([
      "0:", "4:0", "6:0", "10:1", "11:1", "4:2", "6:2", "10:3", "11:3", "4:4", "5:4",
      "4:5", "6:5", "10:6", "11:6", "4:7", "6:7", "10:8", "11:8", "1:",
    ]);
  });

  it("retries failed sub-orchestrations, with generated and with fixed instance ids", async () => {
    const status = await run("retryParent");
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toEqual({ generated: "child ok on attempt 2", fixed: "child ok on attempt 2" });
    const history = await runtime.host.getHistory(status.instanceId);
    const created = history.filter((e) => e.EventType === 7).map((e) => e.InstanceId);
    expect(created).toHaveLength(4); // two attempts each
    expect(created[0]).not.toBe(created[1]); // a generated id per attempt
    expect(created[2]).toBe(`${status.instanceId}-fixed`);
    expect(created[3]).toBe(`${status.instanceId}-fixed`); // the failed child restarted under its id
    expect((await client.getStatus(`${status.instanceId}-fixed`)).runtimeStatus).toBe("Completed");
    expect(history.filter((e) => e.EventType === 9)).toHaveLength(2); // SubOrchestrationInstanceFailed
  });

  it("raises events, and Task.any cancels the losing timer", async () => {
    const id = await realTimeClient.startNew("approval", { input: { amount: 10 } });
    const waiting = await realTime.host.waitForState(id, (s) => s.runtimeStatus === "Running");
    expect(Object.values(waiting.pending)).toEqual([{ kind: "timer", fireAt: expect.any(String) as unknown }]);
    await realTimeClient.raiseEvent(id, "Approve", { by: "boss" });
    const approved = await realTime.host.waitForState(id, (s) => s.sequencing.actionSignatures.length === 2);
    expect(approved.runtimeStatus).toBe("Running");
    expect(approved.pending).toEqual({}); // the losing timer was canceled
    await realTimeClient.raiseEvent(id, "Archive", null);
    await realTime.host.waitForCompletion(id);
    const status = await realTimeClient.getStatus(id);
    expect(status.output).toEqual({ approved: { by: "boss" } });
    // The other host in this process knows nothing of it: hosts share only the function registry.
    await expect(client.getStatus(id)).rejects.toThrow(/404/);
  });

  it("lets the timer win Task.any when no event comes", async () => {
    const status = await run("approval");
    expect(status.output).toEqual({ approved: false });
  });

  it("lets durable timers fire (immediately in tests) and moves the orchestration clock to FireAt", async () => {
    const status = await run("napper", 2 * 24 * 3600 * 1000);
    const output = status.output as { before: string; after: string };
    expect(Date.parse(output.after) - Date.parse(output.before)).toBeGreaterThanOrEqual(2 * 24 * 3600 * 1000);
  });

  it("runs sub-orchestrations, including a fixed instance id and a failing child", async () => {
    const status = await run("parent");
    expect(status.runtimeStatus).toBe("Completed");
    const output = status.output as { first: unknown; both: unknown[]; error: string };
    expect(output.first).toEqual({ greeting: "Hello kid1", parent: status.instanceId });
    expect(output.both).toEqual([
      { greeting: "Hello kid2", parent: status.instanceId },
      { greeting: "Hello kid3", parent: status.instanceId },
    ]);
    expect(output.error).toContain("child failed on purpose");
    const fixed = await client.getStatus(`${status.instanceId}-fixed-child`);
    expect(fixed.runtimeStatus).toBe("Completed");
  });

  it("continues as new with a fresh history", async () => {
    const status = await run("counter", 1);
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toBe("finished at 3");
    expect(status.input).toBe(3);
    expect(calls.get("hello")).toBe(3);
    const history = await runtime.host.getHistory(status.instanceId);
    expect(history.filter((e) => e.EventType === 4)).toHaveLength(1); // only the last execution's
  });

  it("fails an orchestration that replays differently, with a clear message", async () => {
    const status = await run("nondeterministic");
    expect(status.runtimeStatus).toBe("Failed");
    expect(String(status.output)).toMatch(/Non-deterministic workflow detected: action #0 was CallActivity:echo in the history but the replay produced CallActivity:hello/);
  });

  it("fails orchestrations the local host cannot run, instead of retrying them forever", async () => {
    const http = await run("callsHttp");
    expect(http.runtimeStatus).toBe("Failed");
    expect(String(http.output)).toContain("CallHttp is not supported by the local runtime");
    const bogus = await run("bogusOrchestrator");
    expect(bogus.runtimeStatus).toBe("Failed");
    expect(String(bogus.output)).toBe("Orchestrator function 'bogusOrchestrator' failed: durable-functions returned no orchestrator state");
  });

  it("fails an orchestration whose code throws, keeping the message", async () => {
    const status = await run("thrower");
    expect(status.runtimeStatus).toBe("Failed");
    expect(status.output).toBe("Orchestrator function 'thrower' failed: the orchestrator gave up");
  });

  it("terminates, purges and lists instances", async () => {
    const id = await client.startNew("waiter", { instanceId: uniquePrefix("waiter") });
    await runtime.host.waitForState(id, (s) => s.runtimeStatus === "Running");
    await client.terminate(id, "no longer needed");
    const terminated = await runtime.host.waitForCompletion(id);
    expect(terminated.runtimeStatus).toBe("Terminated");
    expect(terminated.output).toBe("no longer needed");
    await expect(client.raiseEvent(id, "Go", 1)).resolves.toBeUndefined(); // 410 is not an error for the client

    const running = await client.startNew("waiter");
    await runtime.host.waitForState(running, (s) => s.runtimeStatus === "Running");
    const listed = await client.getStatusBy({ runtimeStatus: [df.OrchestrationRuntimeStatus.Running] });
    expect(listed.map((s) => s.instanceId)).toContain(running);
    expect(listed.map((s) => s.instanceId)).not.toContain(id);
    const terminatedList = await client.getStatusBy({ runtimeStatus: [df.OrchestrationRuntimeStatus.Terminated] });
    expect(terminatedList.map((s) => s.instanceId)).toContain(id);

    expect(await client.purgeInstanceHistory(id)).toEqual({ instancesDeleted: 1 });
    await expect(client.getStatus(id)).rejects.toThrow(/404/);
    expect(await client.purgeInstanceHistory(id)).toEqual({ instancesDeleted: 0 });

    await client.raiseEvent(running, "Go", { done: true });
    await runtime.host.waitForCompletion(running);
    const purged = await client.purgeInstanceHistoryBy({ createdTimeFrom: new Date(0), runtimeStatus: [df.OrchestrationRuntimeStatus.Completed] });
    expect(purged.instancesDeleted).toBeGreaterThanOrEqual(1);
    await expect(client.getStatus(running)).rejects.toThrow(/404/);
  });

  it("refuses to start an instance id that is still running", async () => {
    const id = await client.startNew("waiter");
    await expect(client.startNew("waiter", { instanceId: id })).rejects.toThrow(/409/);
    await client.terminate(id, "done");
  });

  it("gives timer and Event Grid client functions a working durable client", async () => {
    startedByTriggers.length = 0;
    await runtime.triggerTimer("nightlySequence");
    const eventId = uniquePrefix("evt");
    const delivered = await fetch(`${runtime.baseUrl}/runtime/webhooks/eventgrid?functionName=sequenceOnEvent&code=${runtime.systemKeys.eventgrid}`, {
      method: "POST",
      body: JSON.stringify([{ id: eventId, topic: "t", subject: "keys/k1", eventType: "Microsoft.KeyVault.KeyNewVersionCreated", eventTime: new Date().toISOString(), data: {}, dataVersion: "1", metadataVersion: "1" }]),
    });
    expect(delivered.status).toBe(202);
    expect(startedByTriggers).toHaveLength(2);
    expect(startedByTriggers[1]).toBe(`event-${eventId}`);
    for (const id of startedByTriggers) expect((await runtime.host.waitForCompletion(id)).runtimeStatus).toBe("Completed");
    expect((await client.getStatus(`event-${eventId}`, { showInput: true })).input).toBe("keys/k1");
  });
});
