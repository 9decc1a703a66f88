// What the orchestration is waiting on after an episode, read from durable-functions' own
// executor: the tasks it still has open, each under the sequence id IT allocated.
//
// Why read it rather than recompute it: the JS replay engine numbers tasks itself
// (TaskOrchestrationExecutor.trackOpenTask) and matches completion events to tasks by those
// numbers only. When one episode feeds it several new events, user code resumes after each of
// them and retries allocate ids in between, so the numbering depends on which event unblocked
// what. Taking the ids from the executor makes every completion the host sends land on the task
// the orchestrator expects, for any batch. durable-functions is pinned to an exact version; the
// replay guard test (test/runtime/replayGuard.test.ts) fails if these internals move.
import type { RetryPolicy } from "./wire";
import { ActionType, decodeProcessedInput, jsonRoundTrip } from "./wire";

export type OpenTask =
  | { id: number; kind: "activity"; name: string; input: unknown }
  | { id: number; kind: "subOrchestration"; name: string; instanceId: string | undefined; input: unknown }
  | { id: number; kind: "timer"; fireAt: string; canceled: boolean }
  /** The back-off timer after a failed attempt of a call with retry (its time is the host's to set). */
  | { id: number; kind: "retryTimer"; policy: RetryPolicy; failedAttempt: number }
  | { id: number; kind: "unsupported"; what: string };

export interface ExecutorView {
  tasks: OpenTask[];
  /** The next sequence id the executor would hand out. */
  nextId: number;
}

interface ActionLike {
  actionType?: unknown;
  functionName?: unknown;
  input?: unknown;
  instanceId?: unknown;
  fireAt?: unknown;
  isCanceled?: unknown;
  retryOptions?: unknown;
}

interface TaskLike {
  id?: unknown;
  actionObj?: unknown;
  parent?: RetryableLike;
}

/** durable-functions' RetryableTask: the inner first attempt, then a NoOpTask per timer and per new attempt. */
interface RetryableLike {
  retryOptions?: unknown;
  isWaitingOnTimer?: unknown;
  attemptNumber?: unknown;
  innerTask?: { actionObj?: unknown };
}

class ExecutorShapeError extends Error {
  constructor(detail: string) {
    super(`durable-functions' executor is not shaped as the local host expects (${detail}); the host is written against durable-functions 3.5.0`);
  }
}

/**
 * The open tasks of the executor durable-functions attached to the invocation context
 * (context.df.taskOrchestratorExecutor). Undefined if the orchestrator is not a durable-functions one.
 */
export function readOpenTasks(context: unknown): ExecutorView | undefined {
  const executor = (context as { df?: { taskOrchestratorExecutor?: { openTasks?: unknown; sequenceNumber?: unknown } } }).df?.taskOrchestratorExecutor;
  if (!executor) return undefined;
  const { openTasks, sequenceNumber } = executor;
  if (typeof openTasks !== "object" || openTasks === null || typeof sequenceNumber !== "number") throw new ExecutorShapeError("openTasks / sequenceNumber");
  const tasks = Object.entries(openTasks as Record<string, TaskLike>).map(([key, task]) => describe(Number(key), task));
  tasks.sort((a, b) => a.id - b.id);
  return { tasks, nextId: sequenceNumber };
}

function describe(id: number, task: TaskLike): OpenTask {
  if (!Number.isInteger(id)) throw new ExecutorShapeError(`open task key ${String(id)}`);
  const retry = task.parent;
  if (task.actionObj === "noOp" && retry && typeof retry.isWaitingOnTimer === "boolean") {
    // The newest child of a retry: its timer while the retry waits, else its next attempt.
    if (retry.isWaitingOnTimer) {
      return { id, kind: "retryTimer", policy: retryPolicy(retry.retryOptions), failedAttempt: Number(retry.attemptNumber) - 1 };
    }
    return fromAction(id, retry.innerTask?.actionObj);
  }
  return fromAction(id, task.actionObj);
}

function fromAction(id: number, raw: unknown): OpenTask {
  if (typeof raw !== "object" || raw === null) throw new ExecutorShapeError(`action of task ${id}`);
  const action = raw as ActionLike;
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return { id, kind: "activity", name: String(action.functionName), input: decodeProcessedInput(action.input) ?? null };
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return {
        id,
        kind: "subOrchestration",
        name: String(action.functionName),
        // An empty id means "generate one", per attempt for a retry.
        instanceId: typeof action.instanceId === "string" && action.instanceId ? action.instanceId : undefined,
        input: jsonRoundTrip(action.input) ?? null,
      };
    case ActionType.CreateTimer: {
      const fireAt = action.fireAt instanceof Date ? action.fireAt.toISOString() : String(action.fireAt);
      return { id, kind: "timer", fireAt, canceled: action.isCanceled === true };
    }
    default:
      return { id, kind: "unsupported", what: actionName(action.actionType) };
  }
}

function retryPolicy(raw: unknown): RetryPolicy {
  const options = (raw ?? {}) as Partial<RetryPolicy>;
  if (typeof options.firstRetryIntervalInMilliseconds !== "number" || typeof options.maxNumberOfAttempts !== "number") throw new ExecutorShapeError("retry options");
  return jsonRoundTrip(options) as RetryPolicy;
}

function actionName(code: unknown): string {
  const entry = Object.entries(ActionType).find(([, c]) => c === code);
  return entry ? entry[0] : `action ${String(code)}`;
}
