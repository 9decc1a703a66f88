// Builds the InvocationContext a registered function receives, the way the real worker does:
// trigger and extra bindings from the registration, a fresh invocation id, and a log handler that
// writes to the runtime's logger.
import { randomUUID } from "node:crypto";
import { format } from "node:util";
import { InvocationContext, type FunctionInput, type FunctionOutput, type FunctionTrigger, type LogLevel, type TriggerMetadata } from "@azure/functions";
import { bindingsOf, type RegisteredFunction } from "./functionsCore";

/** Where the local runtime writes its lines (function logs, errors, lifecycle). */
export type LogSink = (line: string) => void;

/** What every invocation gets from the runtime around it. */
export interface InvocationEnvironment {
  log: LogSink;
  /** The durableClient binding value, for functions with a df.input.durableClient() input. */
  durableClientData?: () => unknown;
}

/** Input binding types that receive the durable client data. */
const DURABLE_CLIENT_BINDINGS = new Set(["durableClient", "orchestrationClient"]);

export const consoleSink: LogSink = (line) => process.stdout.write(`${line}\n`);

export function createInvocationContext(
  f: RegisteredFunction,
  env: InvocationEnvironment,
  triggerMetadata?: TriggerMetadata,
): InvocationContext {
  const { extraInputs, extraOutputs } = bindingsOf(f);
  const { log } = env;
  const context = new InvocationContext({
    invocationId: randomUUID(),
    functionName: f.name,
    triggerMetadata,
    options: {
      trigger: f.trigger as unknown as FunctionTrigger,
      extraInputs: extraInputs as unknown as FunctionInput[],
      extraOutputs: extraOutputs as unknown as FunctionOutput[],
    },
    logHandler: (level: LogLevel, ...args: unknown[]) => log(`[${f.name}] ${level}: ${format(...args)}`),
  });
  // df.getClient(context) (and every df.app.client.* handler) reads the client from this input.
  for (const input of context.options.extraInputs) {
    if (DURABLE_CLIENT_BINDINGS.has(input.type) && env.durableClientData) context.extraInputs.set(input, env.durableClientData());
  }
  return context;
}

/** A short, single-line description of anything thrown. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === "string" ? err : format(err);
}
