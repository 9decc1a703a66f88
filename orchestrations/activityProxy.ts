// Activities called through one typed proxy, in the manner of Temporal's proxyActivities: the
// orchestration names an activity as a property of the table's type (activities/index.ts), and
// the compiler checks its input and output; the retry options come from the operation's policy.
// Only the table's TYPE is imported: no activity code (and none of its I/O) loads into a flow.
//
//   const act = proxyActivities<ActivityTable>(context, input.retry);
//   const dek = yield* act.prepareTargetDek({ ... });          // call and wait
//   const results = yield* all(context, ids.map((id) => act.rewrapEnvironment.start({ ... })));
import type { OrchestrationContext, Task } from "durable-functions";
import type { ActivityRetryPolicy } from "../shared/operations/contracts";
import { retryOptions } from "./retry";
import type { Sent } from "./orchestrator";

/** A scheduled task whose result is O (a phantom type over the engine's Task). */
export type TypedTask<O> = Task & { readonly __output?: O };

export interface ActivityStub<I, O> {
  /** Schedules the activity and waits for its output. */
  (input: I): Generator<Task, O, Sent>;
  /** Schedules it without waiting, for a fan-out (all). */
  start(input: I): TypedTask<O>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyActivity = (input: any, deps: any) => Promise<unknown>;

export type ActivityProxy<T extends Record<string, AnyActivity>> = {
  readonly [K in keyof T]: ActivityStub<Parameters<T[K]>[0], Awaited<ReturnType<T[K]>>>;
};

export function proxyActivities<T extends Record<string, AnyActivity>>(context: OrchestrationContext, retry: ActivityRetryPolicy): ActivityProxy<T> {
  const options = retryOptions(retry);
  const stubs = new Map<string, ActivityStub<unknown, unknown>>();
  return new Proxy({} as ActivityProxy<T>, {
    get(_target, name) {
      if (typeof name !== "string") return undefined;
      let stub = stubs.get(name);
      if (!stub) {
        const start = (input: unknown) => context.df.callActivityWithRetry(name, options, input) as TypedTask<unknown>;
        stub = Object.assign(function* (input: unknown): Generator<Task, unknown, Sent> { return yield start(input); }, { start });
        stubs.set(name, stub);
      }
      return stub;
    },
  });
}

/** Waits for every task; the outputs in order. None to wait for is an empty list (the engine refuses Task.all([])). */
export function* all<O>(context: OrchestrationContext, tasks: TypedTask<O>[]): Generator<Task, O[], Sent> {
  if (tasks.length === 0) return [];
  return yield context.df.Task.all(tasks);
}
