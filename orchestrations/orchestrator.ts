// An orchestration as a typed value: its registration name, its input and output, and its body
// (a deterministic generator: no I/O, no clock but context.df.currentUtcDateTime, no randomness).
// Callers start it (startOrchestration in shared/operations) or call it as a sub-orchestration
// (callOrchestrator) through this value, so the name and the input type cannot drift apart.
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import { CODE_VERSION_PROPERTY, refuseOtherCodeVersion, stampedCodeVersion } from "../shared/operations/codeVersion";

// The value sent back into a generator is whatever the yielded task produced.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Sent = any;

export type OrchestrationBody<I, O> = (context: OrchestrationContext, input: I) => Generator<Task, O, Sent>;

export interface Orchestrator<I, O> {
  readonly name: string;
  readonly body: OrchestrationBody<I, O>;
  /** Type only: what it takes (shared/operations/startOperation reads it structurally). */
  readonly inputType?: I;
  readonly outputType?: O;
}

export function orchestrator<I, O>(name: string, body: OrchestrationBody<I, O>): Orchestrator<I, O> {
  return { name, body };
}

/** Registers the orchestration with the Functions host under its name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function registerOrchestrator(o: Orchestrator<any, unknown>): void {
  df.app.orchestration(o.name, function* (context: OrchestrationContext) {
    const input = context.df.getInput();
    // Replaying a history recorded by other orchestration code could diverge: fail clearly instead.
    refuseOtherCodeVersion(o.name, input);
    return yield* o.body(context, input);
  });
}

/** Runs `o` as a sub-orchestration and returns its output. */
export function* callOrchestrator<I, O>(context: OrchestrationContext, o: Orchestrator<I, O>, input: I, instanceId?: string): Generator<Task, O, Sent> {
  // A sub-orchestration carries its parent's stamp (from the parent's input: deterministic).
  const stamp = stampedCodeVersion(context.df.getInput());
  const stamped = stamp && typeof input === "object" && input !== null ? { ...input, [CODE_VERSION_PROPERTY]: stamp } : input;
  return yield context.df.callSubOrchestrator(o.name, stamped, instanceId);
}
