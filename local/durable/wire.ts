// The out-of-process protocol between the Durable Task extension and durable-functions 3.5.0
// (replay schema V2): history event and action type codes, and the JSON shapes that cross it.
// durable-functions is pinned to an exact version because this format is internal to it; the
// replay guard test (test/runtime/replayGuard.test.ts) fails if an upgrade changes it.

/** DurableTask.Core EventType codes, as the JS library reads them from `history[].EventType`. */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
} as const;
export type EventTypeCode = (typeof EventType)[keyof typeof EventType];

export function eventTypeName(code: number): string {
  const entry = Object.entries(EventType).find(([, c]) => c === code);
  return entry ? entry[0] : `Unknown${code}`;
}

/** Action type codes that OrchestratorState.actions carries back to the host. */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

/**
 * ReplaySchema.V2: one flat list of top-level actions (cumulative from the start of the execution),
 * with Task.all/Task.any kept as compound actions. No long timers or HTTP polling (those are V3+).
 */
export const REPLAY_SCHEMA_V2 = 1;

/** The label durable-functions puts between an orchestrator error message and its state JSON. */
export const OUT_OF_PROC_DATA_LABEL = "\n\n$OutOfProcData$:";

/** One DurableTask history event as JSON (PascalCase, like the extension sends it). */
export interface HistoryEvent {
  EventType: number;
  EventId: number;
  Timestamp: string;
  IsPlayed?: boolean;
  Name?: string;
  Input?: string | null;
  Result?: string;
  Reason?: string;
  Details?: string;
  FailureDetails?: FailureDetailsWire;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  InstanceId?: string;
  OrchestrationStatus?: string;
  ParentInstance?: ParentInstanceWire | null;
  OrchestrationInstance?: { InstanceId: string; ExecutionId: string };
}

export interface ParentInstanceWire {
  Name: string;
  TaskScheduleId: number;
  OrchestrationInstance: { InstanceId: string; ExecutionId: string };
}

/** What durable-functions turns into a TaskFailedError (FailureDetails on TaskFailed events). */
export interface FailureDetailsWire {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable?: boolean;
  Properties?: Record<string, unknown>;
}

/** RetryOptions as the action carries them (camelCase, milliseconds). */
export interface RetryPolicy {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

/** One action after a JSON round trip (dates are ISO strings by then). */
export interface WireAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  retryOptions?: RetryPolicy;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: WireAction[];
}

/** What one orchestrator invocation told the host. */
export interface OrchestratorOutcome {
  isDone: boolean;
  /** Top-level actions since the start of the execution. */
  actions: WireAction[];
  output: unknown;
  customStatus: unknown;
  /** Set when the orchestrator threw (the message of what it threw). */
  error?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toWireAction(value: unknown): WireAction {
  if (!isRecord(value) || typeof value.actionType !== "number") {
    throw new Error(`unexpected action from durable-functions: ${JSON.stringify(value)}`);
  }
  const action: WireAction = { ...value, actionType: value.actionType };
  if (Array.isArray(value.compoundActions)) action.compoundActions = value.compoundActions.map(toWireAction);
  return action;
}

/** Reads the (JSON round-tripped) OrchestratorState that durable-functions returned or threw. */
export function parseOrchestratorState(value: unknown): OrchestratorOutcome {
  if (!isRecord(value)) throw new Error("durable-functions returned no orchestrator state");
  const groups = Array.isArray(value.actions) ? value.actions : [];
  // Schema V2 always sends one group: [[...actions]].
  const first: unknown = groups[0];
  const actions = Array.isArray(first) ? first.map(toWireAction) : [];
  return {
    isDone: value.isDone === true,
    actions,
    output: value.output,
    customStatus: value.customStatus,
    error: typeof value.error === "string" ? value.error : undefined,
  };
}

/**
 * Activity and ContinueAsNew inputs go through durable-functions' Utils.processInput, which
 * JSON-encodes strings (and only strings). Undo that to get the value the caller passed.
 */
export function decodeProcessedInput(input: unknown): unknown {
  if (typeof input === "string") return JSON.parse(input) as unknown;
  return jsonRoundTrip(input);
}

/** What a value looks like after a JSON hop; undefined stays undefined. */
export function jsonRoundTrip(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}
