// The plain task objects the fake context hands out (one kind per context.df method the flows
// use). The driver reads what a task asks for and records how it ended on the task itself, so a
// task yielded twice resolves to the same outcome without running again, as in Durable Functions.
import type { RetryOptions, Task } from "durable-functions";

export type TaskOutcome = { ok: true; value: unknown } | { ok: false; error: Error };

interface TaskState extends Task {
  /** Set by the driver once the task has been resolved. */
  outcome?: TaskOutcome;
}

export interface ActivityTask extends TaskState { kind: "activity"; name: string; retry: RetryOptions; input: unknown }
export interface AllTask extends TaskState { kind: "all"; tasks: FakeTask[] }
export interface AnyTask extends TaskState { kind: "any"; tasks: FakeTask[] }
export interface SubOrchestrationTask extends TaskState { kind: "subOrchestration"; name: string; input: unknown; instanceId?: string }
export interface TimerTask extends TaskState { kind: "timer"; fireAt: Date; isCanceled: boolean; cancel(): void }

export type FakeTask = ActivityTask | AllTask | AnyTask | SubOrchestrationTask | TimerTask;

const FAKE = Symbol("fakeTask");

/** Marks a task as made by a fake context (the driver refuses anything else a flow yields). */
export function fakeTask<T extends Omit<FakeTask, "isCompleted" | "isFaulted">>(task: T): T & TaskState {
  return Object.assign(task, { isCompleted: false, isFaulted: false, [FAKE]: true });
}

export function isFakeTask(value: unknown): value is FakeTask {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[FAKE] === true;
}

/** Records the outcome on the task and mirrors it in the engine's public fields. */
export function settle(task: FakeTask, outcome: TaskOutcome): TaskOutcome {
  task.outcome = outcome;
  task.isCompleted = true;
  task.isFaulted = !outcome.ok;
  task.result = outcome.ok ? outcome.value : outcome.error;
  return outcome;
}
