// One orchestration episode: a batch of new history events (the messages one control-queue batch
// brought) is fed to the real durable-functions replay engine, which replays the whole history of
// the execution first; what it answers becomes the events to append, the new state and the work
// to dispatch. Pure apart from calling the orchestrator: the caller decides the time and the
// batch, persists the result, and only then dispatches.
//
// New work is read from the executor's open tasks (openTasks.ts), under the sequence ids
// durable-functions allocated, so any mix of completions, failures, retries and events in one
// batch numbers its tasks exactly as the orchestrator does.
import { createHash } from "node:crypto";
import type { RegisteredFunction } from "../functionsCore";
import { createInvocationContext, describeError, type LogSink } from "../invocation";
import type { InstanceState } from "./instanceState";
import { readOpenTasks, type ExecutorView } from "./openTasks";
import { retryDelayMs } from "./retries";
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
  /** The new events, in arrival order (at least one). */
  events: readonly HistoryEvent[];
  /** The episode's time (OrchestratorStarted.Timestamp, i.e. context.df.currentUtcDateTime). */
  now: string;
  orchestrator: RegisteredFunction;
  log: LogSink;
}

export interface EpisodeResult {
  state: InstanceState;
  /** To append to history: OrchestratorStarted, the new events, what was scheduled, completion markers. */
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

function episodeMarker(type: number, now: string): HistoryEvent {
  return { EventType: type, EventId: -1, Timestamp: now };
}

interface Invocation {
  outcome: OrchestratorOutcome;
  /** What the executor still waits on; undefined when the orchestrator failed or is not a durable-functions one. */
  executor?: ExecutorView;
}

async function invokeOrchestrator(req: EpisodeRequest, state: InstanceState): Promise<Invocation> {
  const history = [
    ...req.history.map((e) => ({ ...e, IsPlayed: true })),
    { ...episodeMarker(EventType.OrchestratorStarted, req.now), IsPlayed: false },
    ...req.events.map((e) => ({ ...e, IsPlayed: false })),
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
    const outcome = parseOrchestratorState(jsonRoundTrip(await req.orchestrator.callback(binding, context)));
    return { outcome, executor: readOpenTasks(context) };
  } catch (err) {
    // durable-functions throws OrchestrationFailureError: "<message>\n\n$OutOfProcData$:<state JSON>".
    const message = describeError(err);
    const at = message.indexOf(OUT_OF_PROC_DATA_LABEL);
    if (at >= 0) {
      const outcome = parseOrchestratorState(JSON.parse(message.slice(at + OUT_OF_PROC_DATA_LABEL.length)) as unknown);
      return { outcome: { ...outcome, error: outcome.error ?? message.slice(0, at) } };
    }
    return { outcome: { isDone: false, actions: [], output: undefined, customStatus: undefined, error: message } };
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

const UNSUPPORTED_ACTIONS = new Set<number>([ActionType.CallEntity, ActionType.CallHttp, ActionType.SignalEntity, ActionType.LockEntities, ActionType.ReleaseEntities]);

/** The first action the local host cannot run (entities, callHttp), if any. */
function unsupportedAction(actions: readonly WireAction[]): string | undefined {
  for (const action of actions) {
    if (UNSUPPORTED_ACTIONS.has(action.actionType)) {
      return `${actionTypeNames.get(action.actionType) ?? `action ${action.actionType}`} is not supported by the local runtime (entities and callHttp are not implemented)`;
    }
    const inner = action.compoundActions && unsupportedAction(action.compoundActions);
    if (inner) return inner;
  }
  return undefined;
}

interface Reconciled {
  scheduler: WorkScheduler;
  canceledTimerIds: number[];
  unsupported?: string;
}

/**
 * Brings the state's pending work in line with the executor's open tasks: tasks opened in this
 * episode are scheduled (or, for a timer canceled straight away, only recorded), timers the
 * orchestration canceled are dropped from pending. Mutates the episode's copy of the state.
 */
function reconcile(state: InstanceState, executor: ExecutorView, now: string): Reconciled {
  const scheduler = new WorkScheduler(state, now);
  const canceledTimerIds: number[] = [];
  for (const task of executor.tasks) {
    const key = String(task.id);
    const isNew = task.id >= state.sequencing.nextId && state.pending[key] === undefined;
    switch (task.kind) {
      case "unsupported":
        return { scheduler, canceledTimerIds, unsupported: `${task.what} is not supported by the local runtime (entities and callHttp are not implemented)` };
      case "timer":
        if (task.canceled) {
          if (state.pending[key]) {
            delete state.pending[key];
            canceledTimerIds.push(task.id);
          } else if (isNew) scheduler.canceledTimer(task.id, task.fireAt);
        } else if (isNew) scheduler.timer(task.id, task.fireAt);
        break;
      case "retryTimer":
        if (isNew) scheduler.timer(task.id, new Date(Date.parse(now) + retryDelayMs(task.policy, task.failedAttempt)).toISOString());
        break;
      case "activity":
        if (isNew) scheduler.activity(task.id, task.name, task.input);
        break;
      case "subOrchestration":
        if (isNew) scheduler.subOrchestration(task.id, task.name, task.input, task.instanceId);
        break;
    }
  }
  state.sequencing.nextId = Math.max(state.sequencing.nextId, executor.nextId);
  return { scheduler, canceledTimerIds };
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
  return { EventType: EventType.ExecutionCompleted, EventId: -1, Timestamp: now, OrchestrationStatus: status, Result: JSON.stringify(state.output) };
}

export async function runEpisode(req: EpisodeRequest): Promise<EpisodeResult> {
  const state = structuredClone(req.state);
  const now = req.now;
  state.clock = now;
  state.episodes += 1;
  if (state.runtimeStatus === "Pending") state.runtimeStatus = "Running";
  for (const event of req.events) {
    const answered = completedTaskId(event);
    if (answered !== undefined) delete state.pending[String(answered)];
  }

  const { outcome, executor } = await invokeOrchestrator(req, state);
  let failure = outcome.error ?? unsupportedAction(outcome.actions);
  if (failure === undefined) {
    const divergence = findNonDeterminism(state, outcome);
    if (divergence) failure = `Non-deterministic workflow detected: ${divergence}. Orchestrator code must replay exactly the same actions (no I/O, clock or randomness outside context.df; do not change code under running instances).`;
  }
  let scheduled: { events: HistoryEvent[]; newWork: ScheduledWork[] } = { events: [], newWork: [] };
  let canceledTimerIds: number[] = [];
  if (failure === undefined) {
    if (!executor) throw new Error("durable-functions left no executor on the invocation context (context.df.taskOrchestratorExecutor)");
    const reconciled = reconcile(state, executor, now);
    failure = reconciled.unsupported;
    scheduled = reconciled.scheduler;
    canceledTimerIds = reconciled.canceledTimerIds;
    for (let i = state.sequencing.actionSignatures.length; i < outcome.actions.length; i++) {
      state.sequencing.actionSignatures[i] = actionSignature(outcome.actions[i]);
    }
  }
  if (outcome.customStatus !== undefined) state.customStatus = jsonRoundTrip(outcome.customStatus) ?? null;

  const newEvents: HistoryEvent[] = [episodeMarker(EventType.OrchestratorStarted, now), ...req.events.map(withoutReplayFlag)];
  let newWork: ScheduledWork[] = [];
  let continueAsNew: EpisodeResult["continueAsNew"];
  if (failure !== undefined) {
    newEvents.push(finish(state, "Failed", `Orchestrator function '${state.name}' failed: ${failure}`, now));
  } else if (outcome.isDone) {
    newEvents.push(...scheduled.events);
    const can = outcome.actions.find((a) => a.actionType === ActionType.ContinueAsNew);
    if (can) {
      continueAsNew = { input: decodeProcessedInput(can.input) ?? null };
      state.pending = {};
      newEvents.push({ EventType: EventType.ExecutionCompleted, EventId: -1, Timestamp: now, OrchestrationStatus: "ContinuedAsNew", Result: JSON.stringify(continueAsNew.input) });
    } else {
      newEvents.push(finish(state, "Completed", jsonRoundTrip(outcome.output), now));
    }
  } else {
    newEvents.push(...scheduled.events);
    newWork = scheduled.newWork;
  }
  newEvents.push(episodeMarker(EventType.OrchestratorCompleted, now));
  state.lastUpdatedTime = now;
  return { state, newEvents, newWork, canceledTimerIds, continueAsNew };
}

/**
 * Ends the execution without running the orchestrator: termination, an orchestrator that is not
 * registered, or a checkpoint too large to store. Records the event and the outcome.
 */
export function endEpisode(current: InstanceState, events: readonly HistoryEvent[], now: string, status: "Failed" | "Terminated", output: unknown): EpisodeResult {
  const state = structuredClone(current);
  state.episodes += 1;
  state.clock = now;
  const canceledTimerIds = Object.entries(state.pending)
    .filter(([, work]) => work.kind === "timer")
    .map(([id]) => Number(id));
  const newEvents = [
    episodeMarker(EventType.OrchestratorStarted, now),
    ...events.map(withoutReplayFlag),
    finish(state, status, output, now),
    episodeMarker(EventType.OrchestratorCompleted, now),
  ];
  state.lastUpdatedTime = now;
  return { state, newEvents, newWork: [], canceledTimerIds };
}

/** Termination: the reason (ExecutionTerminated.Input) becomes the output. */
export function terminateEpisode(current: InstanceState, event: HistoryEvent, now: string): EpisodeResult {
  const reason: unknown = event.Input ? (JSON.parse(event.Input) as unknown) : null;
  return endEpisode(current, [event], now, "Terminated", reason);
}

function withoutReplayFlag(event: HistoryEvent): HistoryEvent {
  const { IsPlayed: _ignored, ...rest } = event;
  return rest;
}
