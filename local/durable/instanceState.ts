// The persisted state of one orchestration instance (one row group in the task hub table) and the
// small pure helpers around it. History events and inbox messages are stored beside it.
import type { HistoryEvent } from "./wire";

export type RuntimeStatus = "Pending" | "Running" | "Completed" | "Failed" | "Terminated";

export const TERMINAL_STATUSES: readonly RuntimeStatus[] = ["Completed", "Failed", "Terminated"];

export function isTerminal(status: RuntimeStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Which task of which execution of the parent a sub-orchestration reports back to. */
export interface ParentLink {
  instanceId: string;
  executionId: string;
  name: string;
  taskId: number;
}

/** Work the orchestration is waiting on, keyed by its sequence id in `pending`. */
export type PendingWork =
  | { kind: "activity"; name: string; input: unknown }
  | { kind: "timer"; fireAt: string }
  | { kind: "subOrchestration"; name: string; instanceId: string; input: unknown };

/**
 * What the host remembers of the orchestrator's own bookkeeping: the next sequence id
 * durable-functions will hand out (anything open at or above it is new work) and one signature per
 * top-level action, to notice a replay that no longer matches its history.
 */
export interface Sequencing {
  nextId: number;
  /** One signature per top-level action scheduled so far (non-determinism check). */
  actionSignatures: string[];
}

export interface InstanceState {
  instanceId: string;
  name: string;
  executionId: string;
  /** Increments on continueAsNew; history rows are keyed by it. */
  generation: number;
  /** Episodes checkpointed in this generation (history row sequence). */
  episodes: number;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  /** The orchestration clock: never goes backwards, jumps to FireAt when a timer fires. */
  clock: string;
  parent?: ParentLink;
  pending: Record<string, PendingWork>;
  sequencing: Sequencing;
}

export function emptySequencing(): Sequencing {
  return { nextId: 0, actionSignatures: [] };
}

export function newInstanceState(args: {
  instanceId: string;
  name: string;
  executionId: string;
  input: unknown;
  now: string;
  parent?: ParentLink;
}): InstanceState {
  return {
    instanceId: args.instanceId,
    name: args.name,
    executionId: args.executionId,
    generation: 0,
    episodes: 0,
    runtimeStatus: "Pending",
    input: args.input ?? null,
    output: null,
    customStatus: null,
    createdTime: args.now,
    lastUpdatedTime: args.now,
    clock: args.now,
    parent: args.parent,
    pending: {},
    sequencing: emptySequencing(),
  };
}

/** The state of the next execution after continueAsNew: same instance, fresh history. */
export function nextGeneration(state: InstanceState, input: unknown, executionId: string): InstanceState {
  return {
    ...state,
    executionId,
    generation: state.generation + 1,
    episodes: 0,
    runtimeStatus: "Running",
    input: input ?? null,
    output: null,
    pending: {},
    sequencing: emptySequencing(),
  };
}

/** The ExecutionStarted event that opens an execution. */
export function executionStartedEvent(state: InstanceState, timestamp: string): HistoryEvent {
  return {
    EventType: 0,
    EventId: -1,
    Timestamp: timestamp,
    Name: state.name,
    Input: JSON.stringify(state.input ?? null),
    OrchestrationInstance: { InstanceId: state.instanceId, ExecutionId: state.executionId },
    ParentInstance: state.parent
      ? {
          Name: state.parent.name,
          TaskScheduleId: state.parent.taskId,
          OrchestrationInstance: { InstanceId: state.parent.instanceId, ExecutionId: state.parent.executionId },
        }
      : null,
  };
}
