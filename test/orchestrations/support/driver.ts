// Runs an orchestration body to its end without the durable-functions engine, storage or the
// vault: steps the generator, resolves each task it yields, and sends the result (or throws the
// failure) back in, as the replay engine does.
//   activity           the stub for its name, with its input and output through JSON (as the
//                      engine serializes both); a stub that throws is a failed attempt, retried as
//                      RetryOptions say (up to maxNumberOfAttempts, the clock advanced by each
//                      back-off), and the last failure is thrown into the generator
//   Task.all           its tasks resolved in order; every one runs (the engine schedules them all
//                      at once), and the first failure in order is thrown, as WhenAllTask does
//   sub-orchestration  looked up by name in orchestrations/index.ts and driven the same way, on
//                      the same clock and the same stubs; its failure is thrown into the parent
//   Task.any           its first task already resolved, else its first task in order resolved
//                      (a sub-orchestration runs to its end first): the winner is that task
//   timer              fires at once: the clock jumps to its fireAt
//   continueAsNew      once the body returns, the next execution starts with the new input,
//                      under the same instance id; the run records every execution's yields
// Everything is recorded in the returned OrchestrationRun. Deterministic: the clock starts at
// `startAt` and moves only by timers and back-offs.
import { orchestrations } from "../../../orchestrations";
import type { Orchestrator } from "../../../orchestrations/orchestrator";
import { retryDelayMs } from "../../../local/durable/retries";
import type { ActivityCall, ActivityName, ActivityStub, ActivityStubs } from "./activityStubs";
import { DriverError } from "./driverError";
import { createFakeContext } from "./fakeContext";
import { isFakeTask, settle, type ActivityTask, type FakeTask, type SubOrchestrationTask, type TaskOutcome } from "./fakeTasks";
import { OrchestrationRun, type RunRecord } from "./orchestrationRun";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOrchestrator = Orchestrator<any, unknown>;

export interface RunOptions {
  stubs: ActivityStubs;
  /** Where sub-orchestrations are looked up by name: orchestrations/index.ts unless given. */
  orchestrations?: Record<string, AnyOrchestrator>;
  instanceId?: string;
  startAt?: Date;
  /** Yields across the whole run (sub-orchestrations included) before the driver gives up. */
  maxSteps?: number;
}

interface Driving {
  stubs: ActivityStubs;
  orchestrations: AnyOrchestrator[];
  clock: number;
  steps: number;
  maxSteps: number;
  subCount: Map<string, number>;
  driverErrors: DriverError[];
  record: RunRecord;
}

export const DEFAULT_START = new Date("2025-01-01T00:00:00.000Z");

/** What the engine stores: a JSON round trip (undefined fields dropped, an undefined output is null). */
function throughJson<T>(value: T, undefinedAs: null | undefined): T {
  return value === undefined ? (undefinedAs as T) : JSON.parse(JSON.stringify(value)) as T;
}

/**
 * The error a flow catches for a failed activity or sub-orchestration: the classic schema's
 * `${Reason} \n ${Details}`, with Reason the error's message and Details its name, as the embedded
 * host writes them (local/durable/failures.ts).
 */
function failureSeenByFlow(reason: string, details: string): Error {
  return new Error(`${reason} \n ${details}`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function byName(name: string, d: Driving): AnyOrchestrator {
  const found = d.orchestrations.find((o) => o.name === name);
  if (!found) throw new DriverError(`No orchestration named "${name}" (orchestrations/index.ts lists ${d.orchestrations.map((o) => o.name).join(", ")}).`);
  return found;
}

async function runActivity(task: ActivityTask, instanceId: string, d: Driving): Promise<TaskOutcome> {
  const stub = d.stubs[task.name as ActivityName] as ActivityStub<ActivityName> | undefined;
  if (!stub) throw new DriverError(`No stub for activity "${task.name}" (called by ${instanceId} with ${JSON.stringify(task.input)}).`);
  const serializedInput = JSON.stringify(task.input ?? null);
  for (let attempt = 1; ; attempt++) {
    const input = JSON.parse(serializedInput);
    const call = { name: task.name, input, attempt, instanceId, at: new Date(d.clock).toISOString() };
    try {
      const output = throughJson(await stub(JSON.parse(serializedInput), { attempt, instanceId, at: call.at }), null);
      d.record.calls.push({ ...call, result: { ok: true, output } } as ActivityCall);
      return { ok: true, value: output };
    } catch (err) {
      if (err instanceof DriverError) throw err;
      d.record.calls.push({ ...call, result: { ok: false, error: messageOf(err) } } as ActivityCall);
      // durable-functions opens a back-off timer after every failed attempt, the last one too.
      d.clock += retryDelayMs(task.retry, attempt);
      if (attempt >= task.retry.maxNumberOfAttempts) {
        return { ok: false, error: failureSeenByFlow(messageOf(err), err instanceof Error ? err.name : "Error") };
      }
    }
  }
}

async function runSubOrchestration(task: SubOrchestrationTask, parentId: string, d: Driving): Promise<TaskOutcome> {
  const o = byName(task.name, d);
  const n = (d.subCount.get(parentId) ?? 0) + 1;
  d.subCount.set(parentId, n);
  const instanceId = task.instanceId ?? `${parentId}:${n}`;
  const input = throughJson(task.input, undefined);
  const entry: RunRecord["subOrchestrations"][number] = { name: task.name, instanceId, parentInstanceId: parentId, input };
  d.record.subOrchestrations.push(entry);
  try {
    const output = throughJson(await drive(o, input, instanceId, d), null);
    entry.result = { ok: true, output };
    return { ok: true, value: output };
  } catch (err) {
    if (err instanceof DriverError) throw err;
    entry.result = { ok: false, error: messageOf(err) };
    return { ok: false, error: failureSeenByFlow(messageOf(err), "") };
  }
}

async function resolve(task: unknown, instanceId: string, d: Driving): Promise<TaskOutcome> {
  if (!isFakeTask(task)) throw new DriverError(`${instanceId} yielded something that is not a task of its context: ${String(task)}.`);
  if (task.outcome) return task.outcome;
  switch (task.kind) {
    case "activity": return settle(task, await runActivity(task, instanceId, d));
    case "subOrchestration": return settle(task, await runSubOrchestration(task, instanceId, d));
    case "timer":
      d.record.timers.push({ instanceId, fireAt: task.fireAt.toISOString(), createdAt: new Date(d.clock).toISOString() });
      d.clock = Math.max(d.clock, task.fireAt.getTime());
      return settle(task, { ok: true, value: undefined });
    case "any": {
      const winner = (task.tasks as FakeTask[]).find((t) => t.outcome) ?? task.tasks[0];
      await resolve(winner, instanceId, d);
      return settle(task, { ok: true, value: winner });
    }
    case "all": {
      const outcomes: TaskOutcome[] = [];
      for (const child of task.tasks as FakeTask[]) outcomes.push(await resolve(child, instanceId, d));
      const failed = outcomes.find((o): o is Extract<TaskOutcome, { ok: false }> => !o.ok);
      return settle(task, failed ?? { ok: true, value: outcomes.map((o) => (o as Extract<TaskOutcome, { ok: true }>).value) });
    }
  }
}

async function drive(o: AnyOrchestrator, input: unknown, instanceId: string, d: Driving): Promise<unknown> {
  let next: { input: unknown } | undefined = { input };
  let output: unknown;
  for (let execution = 1; next; execution++) {
    const record = { instanceId, execution, yields: 0, input: next.input };
    d.record.executions.push(record);
    let continued: { input: unknown } | undefined;
    output = await driveExecution(o, next.input, instanceId, d, record, (i) => { continued = { input: throughJson(i, undefined) }; });
    next = continued;
  }
  return output;
}

async function driveExecution(
  o: AnyOrchestrator, input: unknown, instanceId: string, d: Driving, record: { yields: number }, onContinueAsNew: (input: unknown) => void,
): Promise<unknown> {
  const context = createFakeContext({
    instanceId, input, now: () => d.clock,
    onCustomStatus: (status) => d.record.customStatuses.push({ instanceId, status: throughJson(status, null) }),
    onContinueAsNew,
    onDriverError: (error) => d.driverErrors.push(error),
  });
  const generator = o.body(context, context.df.getInput());
  const abortOnDriverError = () => { if (d.driverErrors.length) throw d.driverErrors[0]; };
  let step = generator.next();
  abortOnDriverError();
  while (!step.done) {
    if (++d.steps > d.maxSteps) throw new DriverError(`The run did not finish within ${d.maxSteps} yields (a flow that never ends?).`);
    record.yields++;
    const outcome = await resolve(step.value, instanceId, d);
    try {
      step = outcome.ok ? generator.next(outcome.value) : generator.throw(outcome.error);
    } finally {
      abortOnDriverError();
    }
  }
  return step.value;
}

/** Runs `o` with `input` to its end; the run says whether it completed (its output) or failed (its error). */
export async function runOrchestration<I, O>(o: Orchestrator<I, O>, input: I, options: RunOptions): Promise<OrchestrationRun<O>> {
  const record: RunRecord = { calls: [], customStatuses: [], timers: [], subOrchestrations: [], executions: [] };
  const startAt = options.startAt ?? DEFAULT_START;
  const d: Driving = {
    stubs: options.stubs, orchestrations: Object.values(options.orchestrations ?? orchestrations) as AnyOrchestrator[], clock: startAt.getTime(), steps: 0, maxSteps: options.maxSteps ?? 10_000,
    subCount: new Map(), driverErrors: [], record,
  };
  const instanceId = options.instanceId ?? "instance-1";
  const storedInput = throughJson(input, undefined);
  try {
    const output = throughJson(await drive(o as AnyOrchestrator, storedInput, instanceId, d), null) as O;
    return new OrchestrationRun<O>(instanceId, record, new Date(d.clock), { ok: true, output });
  } catch (err) {
    if (err instanceof DriverError) throw err;
    return new OrchestrationRun<O>(instanceId, record, new Date(d.clock), { ok: false, error: err instanceof Error ? err : new Error(String(err)) });
  }
}
