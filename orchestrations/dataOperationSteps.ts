// What the environment database operations (backup, restore, copy, reset) share: their history
// entry written step by step, progress, and their end, which frees the environment (its one
// operation slot and the flag that keeps the data API at 503 while its data is rewritten).
import type { OrchestrationContext, Task } from "durable-functions";
import type { DataOperationInput, DataOperationResult } from "../shared/dataOperations/contracts";
import type { Progress } from "../shared/domain/environment";
import type { ProgressTarget } from "../shared/operations/contracts";
import type { ActivityTable } from "../activities";
import { proxyActivities, type ActivityProxy } from "./activityProxy";
import type { Sent } from "./orchestrator";

export interface DataOperationSteps {
  act: ActivityProxy<ActivityTable>;
  progress: Progress;
  /** Where the page activities add their items (the operation's history entry). */
  progressTarget: ProgressTarget;
  /** A partition finished: its items count towards progress (the custom status shows it; no activity). */
  addDone(items: number): void;
  /** The step running now (named in a failure). */
  readonly stage: string;
  begin(name: string): Generator<Task, void, Sent>;
  done(detail?: string): Generator<Task, void, Sent>;
  reportProgress(): Generator<Task, void, Sent>;
  fail(error: { code: string; message: string }): Generator<Task, DataOperationResult, Sent>;
  succeed(): Generator<Task, DataOperationResult, Sent>;
}

export function dataOperationSteps(context: OrchestrationContext, input: DataOperationInput): DataOperationSteps {
  const act = proxyActivities<ActivityTable>(context, input.retry);
  const base = { operationId: input.operationId, tenantId: input.tenantId, environmentId: input.environmentId };
  const progress: Progress = { done: 0, total: 0, unit: "items" };
  let stage = "Start";
  // The environment is freed before the operation's end is recorded: a client that sees the
  // operation Succeeded (or Failed) finds the environment free, never still held for a moment.
  const end = function* (status: "Succeeded" | "Failed", error?: { code: string; message: string }): Generator<Task, void, Sent> {
    yield* act.releaseEnvironment(base);
    yield* act.recordOperation({
      ...base, ...(status === "Failed" ? { step: { name: stage, status: "Failed", detail: error?.message } } : { progress: { ...progress, done: progress.total } }),
      end: { status, error },
    });
  };
  return {
    act, progress, progressTarget: base,
    addDone(items) {
      progress.done = progress.total > 0 ? Math.min(progress.total, progress.done + items) : progress.done + items;
      context.df.setCustomStatus({ kind: input.kind, progress });
    },
    get stage() { return stage; },
    *begin(name) {
      stage = name;
      yield* act.recordOperation({ ...base, step: { name, status: "Running" } });
    },
    *done(detail) {
      yield* act.recordOperation({ ...base, step: { name: stage, status: "Succeeded", ...(detail ? { detail } : {}) } });
    },
    *reportProgress() {
      context.df.setCustomStatus({ kind: input.kind, progress });
      yield* act.recordOperation({ ...base, progress });
    },
    *fail(error) {
      yield* end("Failed", error);
      context.df.setCustomStatus({ kind: input.kind, error });
      return { status: "Failed", error };
    },
    *succeed() {
      yield* end("Succeeded");
      context.df.setCustomStatus({ kind: input.kind, progress: { ...progress, done: progress.total } });
      return { status: "Succeeded" };
    },
  };
}
