// A stand-in for durable-functions' OrchestrationContext: only what the flows use, each df method
// returning a plain task (fakeTasks.ts) for the driver to resolve. What the real engine checks
// when a task is created is checked here too (a RetryOptions instance, Task.all of at least one
// task); anything else a flow reaches for throws a DriverError naming it, so a flow that starts
// using a new API fails loudly instead of silently getting undefined.
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import { DriverError } from "./driverError";
import { fakeTask, isFakeTask, type FakeTask } from "./fakeTasks";

export interface FakeContextOptions {
  instanceId: string;
  input: unknown;
  /** The orchestration's clock in epoch ms; the driver advances it as timers fire. */
  now(): number;
  onCustomStatus(status: unknown): void;
  /** continueAsNew was called: the driver starts the next execution with this input once the body returns. */
  onContinueAsNew(input: unknown): void;
  /**
   * Told of every DriverError the context throws before it is thrown: the error surfaces inside
   * the flow, whose catch could swallow it, so the driver aborts the run on it afterwards.
   */
  onDriverError(error: DriverError): void;
}

export function createFakeContext(options: FakeContextOptions): OrchestrationContext {
  const strict = <T extends object>(what: string, target: T): T => new Proxy(target, {
    get(t, prop, receiver) {
      if (typeof prop === "symbol" || prop in t) return Reflect.get(t, prop, receiver);
      const error = new DriverError(`The fake orchestration context does not implement ${what}.${prop}: add it to test/orchestrations/support/fakeContext.ts.`);
      options.onDriverError(error);
      throw error;
    },
  });
  const dfContext = {
    instanceId: options.instanceId,
    isReplaying: false,
    get currentUtcDateTime() { return new Date(options.now()); },
    getInput: () => options.input,
    setCustomStatus: (status: unknown) => options.onCustomStatus(status),
    continueAsNew: (input: unknown) => options.onContinueAsNew(input),
    callActivityWithRetry: (name: string, retry: df.RetryOptions, input?: unknown) => {
      if (!name) throw new Error("functionName: Expected non-empty, non-whitespace string but got empty string");
      if (!(retry instanceof df.RetryOptions)) throw new TypeError("retryOptions: Expected object of type RetryOptions");
      return fakeTask({ kind: "activity", name, retry, input });
    },
    callSubOrchestrator: (name: string, input?: unknown, instanceId?: string) => {
      if (!name) throw new Error("functionName: Expected non-empty, non-whitespace string but got empty string");
      return fakeTask({ kind: "subOrchestration", name, input, instanceId });
    },
    createTimer: (fireAt: Date) => fakeTask({
      kind: "timer", fireAt: new Date(fireAt), isCanceled: false,
      cancel(this: { isCanceled: boolean }) { this.isCanceled = true; },
    }),
    Task: strict("context.df.Task", {
      all: (tasks: unknown[]) => {
        if (!Array.isArray(tasks) || !tasks.every(isFakeTask)) throw new Error("Task.all received a non-valid input.");
        // durable-functions' WhenAllTask throws this for an empty list, synchronously, inside the flow.
        if (tasks.length === 0) throw new Error("When constructing a CompoundTask (such as Task.all() or Task.any()), you must specify at least one Task.");
        return fakeTask({ kind: "all", tasks: tasks as FakeTask[] });
      },
      any: (tasks: unknown[]) => {
        if (!Array.isArray(tasks) || !tasks.every(isFakeTask)) throw new Error("Task.any received a non-valid input.");
        if (tasks.length === 0) throw new Error("When constructing a CompoundTask (such as Task.all() or Task.any()), you must specify at least one Task.");
        return fakeTask({ kind: "any", tasks: tasks as FakeTask[] });
      },
    }),
  };
  return strict("context", { df: strict("context.df", dfContext) }) as unknown as OrchestrationContext;
}
