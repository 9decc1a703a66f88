// Replay guard: a history recorded from a real run (fixtures/replayGuard.history.json) is fed,
// episode by episode, through the host's episode engine and the real durable-functions replay
// engine; every episode must append exactly the recorded events. It fails if a durable-functions
// upgrade changes the action/history wire format or the sequence-id allocation the host mirrors.
//
// To re-record after a deliberate change: UPDATE_REPLAY_FIXTURE=1 npx vitest run test/runtime/replayGuard.test.ts
import "../../local/functionsCore";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runEpisode } from "../../local/durable/episode";
import { newInstanceState, type InstanceState } from "../../local/durable/instanceState";
import { EventType, type HistoryEvent } from "../../local/durable/wire";
import { requireFunction } from "../../local/functionsCore";
import { startRuntime } from "../../local/runtime";
import { testStorage, uniquePrefix } from "../support/storage";
import { durableClientFor } from "./support";
import "./fixtures/replayGuardApp";

interface RecordedRun {
  durableFunctionsVersion: string;
  orchestrator: string;
  instanceId: string;
  executionId: string;
  input: unknown;
  createdTime: string;
  history: HistoryEvent[];
  output: unknown;
  customStatus: unknown;
}

const fixtureFile = path.join(__dirname, "fixtures/replayGuard.history.json");
const durableFunctionsVersion = (JSON.parse(fs.readFileSync(require.resolve("durable-functions/package.json"), "utf8")) as { version: string }).version;

async function record(): Promise<void> {
  const runtime = await startRuntime({ storageConnectionString: testStorage(), taskHub: uniquePrefix("guard"), port: 0, timers: false, fireTimersImmediately: true, log: () => undefined });
  try {
    const client = durableClientFor(runtime.host.clientData());
    const instanceId = "replay-guard-1";
    await client.startNew("replayGuard", { instanceId, input: { names: ["Ada", "Grace", "Linus"] } });
    await client.raiseEvent(instanceId, "Proceed", { ok: true });
    const state = await runtime.host.waitForCompletion(instanceId);
    const run: RecordedRun = {
      durableFunctionsVersion,
      orchestrator: state.name,
      instanceId,
      executionId: state.executionId,
      input: state.input,
      createdTime: state.createdTime,
      history: await runtime.host.getHistory(instanceId),
      output: state.output,
      customStatus: state.customStatus,
    };
    fs.writeFileSync(fixtureFile, `${JSON.stringify(run, null, 2)}\n`);
  } finally {
    await runtime.stop();
  }
}

/** Splits a history into episodes: OrchestratorStarted ... OrchestratorCompleted. */
function episodes(history: readonly HistoryEvent[]): HistoryEvent[][] {
  const out: HistoryEvent[][] = [];
  for (const event of history) {
    if (event.EventType === EventType.OrchestratorStarted) out.push([]);
    out[out.length - 1].push(event);
  }
  return out;
}

describe("replay guard", () => {
  it("reproduces a recorded history event for event", async () => {
    if (process.env.UPDATE_REPLAY_FIXTURE) await record();
    const run = JSON.parse(fs.readFileSync(fixtureFile, "utf8")) as RecordedRun;
    expect(durableFunctionsVersion, "durable-functions changed version: check the wire format, then re-record").toBe(run.durableFunctionsVersion);

    const orchestrator = requireFunction(run.orchestrator, "orchestrationTrigger");
    let state: InstanceState = newInstanceState({ instanceId: run.instanceId, name: run.orchestrator, executionId: run.executionId, input: run.input, now: run.createdTime });
    const history: HistoryEvent[] = [];
    const recorded = episodes(run.history);
    expect(recorded.length).toBeGreaterThan(8);
    for (const [i, episode] of recorded.entries()) {
      const result = await runEpisode({ state, history, events: [episode[1]], now: episode[0].Timestamp, orchestrator, log: () => undefined });
      expect(result.newEvents, `episode ${i + 1} (${EventType.OrchestratorStarted}/${episode[1].EventType})`).toEqual(episode);
      state = result.state;
      history.push(...result.newEvents);
    }
    expect(state.runtimeStatus).toBe("Completed");
    expect(state.output).toEqual(run.output);
    expect(state.customStatus).toEqual(run.customStatus);

    // The run covered every kind of scheduled work and completion the host supports.
    const types = new Set(run.history.map((e) => e.EventType));
    for (const t of [EventType.TaskScheduled, EventType.TaskCompleted, EventType.TaskFailed, EventType.TimerCreated, EventType.TimerFired,
      EventType.SubOrchestrationInstanceCreated, EventType.SubOrchestrationInstanceCompleted, EventType.EventRaised]) {
      expect(types.has(t), `event type ${t} in the recorded history`).toBe(true);
    }
  });

  it("notices when the orchestrator no longer matches the recorded history", async () => {
    const run = JSON.parse(fs.readFileSync(fixtureFile, "utf8")) as RecordedRun;
    const orchestrator = requireFunction("guardChild", "orchestrationTrigger"); // different code, same history
    let state: InstanceState = newInstanceState({ instanceId: run.instanceId, name: "guardChild", executionId: run.executionId, input: run.input, now: run.createdTime });
    const history: HistoryEvent[] = [];
    let diverged = false;
    for (const episode of episodes(run.history)) {
      const result = await runEpisode({ state, history, events: [episode[1]], now: episode[0].Timestamp, orchestrator, log: () => undefined });
      if (JSON.stringify(result.newEvents) !== JSON.stringify(episode)) {
        diverged = true;
        break;
      }
      state = result.state;
      history.push(...result.newEvents);
    }
    expect(diverged).toBe(true);
  });
});
