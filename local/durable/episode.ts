// One orchestration episode: exactly one new history event is fed to the real durable-functions
// replay engine (which replays the whole history of the execution), and what it answers becomes
// the events to append, the new state and the work to dispatch. Pure apart from calling the
// orchestrator: the caller decides the time, persists the result, and only then dispatches.
//
// One event per episode keeps sequence-id allocation unambiguous: ids are handed out depth first
// in yield order (TaskOrchestrationExecutor.trackOpenTask), after any ids a retry allocates while
// the event itself is processed (see retries.ts).
import { createHash } from "node:crypto";
import type { RegisteredFunction } from "../functionsCore";
import { createInvocationContext, describeError, type LogSink } from "../invocation";
import type { InstanceState } from "./instanceState";
import { advanceRetry, trackRetry } from "./retries";
import { WorkScheduler, type ScheduledWork } from "./scheduling";
import {
  ActionType,
  EventType,
  OUT_OF_PROC_DATA_LABEL,
  REPLAY_SCHEMA_V2,
  decodeProcessedInput,
  jsonRoundTrip,
  parseOrchestratorState,
  type HistoryEvent,
  type OrchestratorOutcome,
  type WireAction,
} from "./wire";

export interface EpisodeRequest {
  /** State before the episode; not mutated. */
  state: InstanceState;
  /** Events of the current execution checkpointed so far. */
  history: readonly HistoryEvent[];
  /** The one new event. */
  event: HistoryEvent;
  /** The episode's time (OrchestratorStarted.Timestamp, i.e. context.df.currentUtcDateTime). */
  now: string;
  orchestrator: RegisteredFunction;
  log: LogSink;
}

export interface EpisodeResult {
  state: InstanceState;
  /** To append to history: OrchestratorStarted, the event, what was scheduled, completion markers. */
  newEvents: HistoryEvent[];
  /** To dispatch once the checkpoint is durable. */
  newWork: ScheduledWork[];
  /** Timers the orchestration canceled (they must not fire). */
  canceledTimerIds: number[];
  /** Set when the orchestration called continueAsNew: the next execution's input. */
  continueAsNew?: { input: unknown };
}

const actionTypeNames = new Map<number, string>(Object.entries(ActionType).map(([name, code]) => [code, name]));

function fullSignature(action: WireAction): string {
  const type = actionTypeNames.get(action.actionType) ?? `Action${action.actionType}`;
  if (action.compoundActions) return `${type}[${action.compoundActions.map(fullSignature).join(",")}]`;
  const target = action.functionName ?? action.externalEventName;
  return target === undefined ? type : `${type}:${target}`;
}

/**
 * A short description of an action, used to detect a replay that diverged from history. A big
 * Task.all keeps a readable head plus a digest: the state row carries every signature.
 */
export function actionSignature(action: WireAction): string {
  const full = fullSignature(action);
  if (full.length <= 240) return full;
  return `${full.slice(0, 120)}…#${createHash("sha256").update(full).digest("hex").slice(0, 16)}`;
}

class UnsupportedActionError extends Error {}

function episodeMarker(type: number, now: string): HistoryEvent {
  return { EventType: type, EventId: -1, Timestamp: now };
}

async function invokeOrchestrator(req: EpisodeRequest, state: InstanceState): Promise<OrchestratorOutcome> {
  const history = [
    ...req.history.map((e) => ({ ...e, IsPlayed: true })),
    { ...episodeMarker(EventType.OrchestratorStarted, req.now), IsPlayed: false },
    { ...req.event, IsPlayed: false },
  ];
  const binding = {
    // A fresh JSON copy each time: durable-functions converts Timestamp strings to Dates in place.
    history: jsonRoundTrip(history),
    input: jsonRoundTrip(state.input),
    instanceId: state.instanceId,
    isReplaying: false,
    parentInstanceId: state.parent?.instanceId,
    upperSchemaVersion: REPLAY_SCHEMA_V2,
    upperSchemaVersionNew: REPLAY_SCHEMA_V2,
  };
  const context = createInvocationContext(req.orchestrator, { log: req.log });
  try {
    return parseOrchestratorState(jsonRoundTrip(await req.orchestrator.callback(binding, context)));
  } catch (err) {
    // durable-functions throws OrchestrationFailureError: "<message>\n\n$OutOfProcData$:<state JSON>".
    const message = describeError(err);
    const at = message.indexOf(OUT_OF_PROC_DATA_LABEL);
    if (at >= 0) {
      const outcome = parseOrchestratorState(JSON.parse(message.slice(at + OUT_OF_PROC_DATA_LABEL.length)) as unknown);
      return { ...outcome, error: outcome.error ?? message.slice(0, at) };
    }
    return { isDone: false, actions: [], output: undefined, customStatus: undefined, error: message };
  }
}

function findNonDeterminism(state: InstanceState, outcome: OrchestratorOutcome): string | undefined {
  const known = state.sequencing.actionSignatures;
  const produced = outcome.actions.map(actionSignature);
  for (let i = 0; i < Math.min(known.length, produced.length); i++) {
    if (known[i] !== produced[i]) {
      return `action #${i} was ${known[i]} in the history but the replay produced ${produced[i]}`;
    }
  }
  if (produced.length < known.length) {
    return `the history has ${known.length} actions but the replay produced only ${produced.length}`;
  }
  return undefined;
}

function scheduleLeaves(action: WireAction, state: InstanceState, scheduler: WorkScheduler, ids: Array<number | null>): void {
  switch (action.actionType) {
    case ActionType.WhenAll:
    case ActionType.WhenAny:
      for (const child of action.compoundActions ?? []) scheduleLeaves(child, state, scheduler, ids);
      return;
    case ActionType.WaitForExternalEvent: // matched by name, no sequence id
    case ActionType.ContinueAsNew:
      ids.push(null);
      return;
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry: {
      const name = action.functionName ?? "";
      const input = decodeProcessedInput(action.input) ?? null;
      const id = scheduler.activity(name, input);
      if (action.actionType === ActionType.CallActivityWithRetry && action.retryOptions) {
        trackRetry(state.sequencing, id, action.retryOptions, { kind: "activity", name, input });
      }
      ids.push(id);
      return;
    }
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry: {
      const name = action.functionName ?? "";
      const input = jsonRoundTrip(action.input) ?? null;
      const id = scheduler.subOrchestration(name, input, action.instanceId || undefined);
      if (action.actionType === ActionType.CallSubOrchestratorWithRetry && action.retryOptions) {
        // An empty instance id means "a new generated id per attempt".
        trackRetry(state.sequencing, id, action.retryOptions, { kind: "subOrchestration", name, instanceId: action.instanceId ?? "", input });
      }
      ids.push(id);
      return;
    }
    case ActionType.CreateTimer: {
      const fireAt = action.fireAt ?? new Date(0).toISOString();
      ids.push(action.isCanceled ? scheduler.canceledTimer(fireAt) : scheduler.timer(fireAt));
      return;
    }
    default:
      throw new UnsupportedActionError(
        `${actionTypeNames.get(action.actionType) ?? `action ${action.actionType}`} is not supported by the local runtime (entities and callHttp are not implemented)`,
      );
  }
}

/** DFTimerTask.cancel() only flips isCanceled on the action; find those timers by their leaf ids. */
function collectCanceledTimers(state: InstanceState, actions: readonly WireAction[]): number[] {
  const canceled: number[] = [];
  const walk = (action: WireAction, ids: Array<number | null>): void => {
    if (action.compoundActions) {
      for (const child of action.compoundActions) walk(child, ids);
      return;
    }
    const id = ids.shift();
    if (action.actionType === ActionType.CreateTimer && action.isCanceled && id != null && state.pending[String(id)]) {
      delete state.pending[String(id)];
      canceled.push(id);
    }
  };
  actions.forEach((action, i) => walk(action, [...(state.sequencing.leafIds[i] ?? [])]));
  return canceled;
}

/** The id of the scheduled task an incoming completion event answers, if it is one. */
export function completedTaskId(event: HistoryEvent): number | undefined {
  switch (event.EventType) {
    case EventType.TaskCompleted:
    case EventType.TaskFailed:
    case EventType.SubOrchestrationInstanceCompleted:
    case EventType.SubOrchestrationInstanceFailed:
      return event.TaskScheduledId;
    case EventType.TimerFired:
      return event.TimerId;
    default:
      return undefined;
  }
}

function finish(state: InstanceState, status: "Completed" | "Failed" | "Terminated", output: unknown, now: string): HistoryEvent {
  state.runtimeStatus = status;
  state.output = output ?? null;
  state.pending = {};
  state.sequencing.retries = [];
  return { EventType: EventType.ExecutionCompleted, EventId: -1, Timestamp: now, OrchestrationStatus: status, Result: JSON.stringify(state.output) };
}

export async function runEpisode(req: EpisodeRequest): Promise<EpisodeResult> {
  const state = structuredClone(req.state);
  const now = req.now;
  state.clock = now;
  state.episodes += 1;
  if (state.runtimeStatus === "Pending") state.runtimeStatus = "Running";
  const answered = completedTaskId(req.event);
  if (answered !== undefined) delete state.pending[String(answered)];

  const outcome = await invokeOrchestrator(req, state);
  const scheduler = new WorkScheduler(state, now);
  advanceRetry(state.sequencing, req.event, now, scheduler);

  let failure = outcome.error;
  if (failure === undefined) {
    const divergence = findNonDeterminism(state, outcome);
    if (divergence) failure = `Non-deterministic workflow detected: ${divergence}. Orchestrator code must replay exactly the same actions (no I/O, clock or randomness outside context.df; do not change code under running instances).`;
  }
  let canceledTimerIds: number[] = [];
  if (failure === undefined) {
    try {
      for (let i = state.sequencing.leafIds.length; i < outcome.actions.length; i++) {
        const ids: Array<number | null> = [];
        scheduleLeaves(outcome.actions[i], state, scheduler, ids);
        state.sequencing.leafIds[i] = ids;
        state.sequencing.actionSignatures[i] = actionSignature(outcome.actions[i]);
      }
      canceledTimerIds = collectCanceledTimers(state, outcome.actions);
    } catch (err) {
      if (!(err instanceof UnsupportedActionError)) throw err;
      failure = err.message;
    }
  }
  if (outcome.customStatus !== undefined) state.customStatus = jsonRoundTrip(outcome.customStatus) ?? null;

  const newEvents: HistoryEvent[] = [episodeMarker(EventType.OrchestratorStarted, now), withoutReplayFlag(req.event), ...scheduler.events];
  let newWork = scheduler.newWork;
  let continueAsNew: EpisodeResult["continueAsNew"];
  if (failure !== undefined) {
    newEvents.push(finish(state, "Failed", `Orchestrator function '${state.name}' failed: ${failure}`, now));
    newWork = [];
  } else if (outcome.isDone) {
    const can = outcome.actions.find((a) => a.actionType === ActionType.ContinueAsNew);
    if (can) {
      continueAsNew = { input: decodeProcessedInput(can.input) ?? null };
      state.pending = {};
      newEvents.push({ EventType: EventType.ExecutionCompleted, EventId: -1, Timestamp: now, OrchestrationStatus: "ContinuedAsNew", Result: JSON.stringify(continueAsNew.input) });
    } else {
      newEvents.push(finish(state, "Completed", jsonRoundTrip(outcome.output), now));
    }
    newWork = [];
  }
  newEvents.push(episodeMarker(EventType.OrchestratorCompleted, now));
  state.lastUpdatedTime = now;
  return { state, newEvents, newWork, canceledTimerIds, continueAsNew };
}

/**
 * Ends the execution without running the orchestrator: termination, an orchestrator that is not
 * registered, or a checkpoint too large to store. Records the event and the outcome.
 */
export function endEpisode(current: InstanceState, event: HistoryEvent, now: string, status: "Failed" | "Terminated", output: unknown): EpisodeResult {
  const state = structuredClone(current);
  state.episodes += 1;
  state.clock = now;
  const canceledTimerIds = Object.entries(state.pending)
    .filter(([, work]) => work.kind === "timer")
    .map(([id]) => Number(id));
  const newEvents = [
    episodeMarker(EventType.OrchestratorStarted, now),
    withoutReplayFlag(event),
    finish(state, status, output, now),
    episodeMarker(EventType.OrchestratorCompleted, now),
  ];
  state.lastUpdatedTime = now;
  return { state, newEvents, newWork: [], canceledTimerIds };
}

/** Termination: the reason (ExecutionTerminated.Input) becomes the output. */
export function terminateEpisode(current: InstanceState, event: HistoryEvent, now: string): EpisodeResult {
  const reason: unknown = event.Input ? (JSON.parse(event.Input) as unknown) : null;
  return endEpisode(current, event, now, "Terminated", reason);
}

function withoutReplayFlag(event: HistoryEvent): HistoryEvent {
  const { IsPlayed: _ignored, ...rest } = event;
  return rest;
}
