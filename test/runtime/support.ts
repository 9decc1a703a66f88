// Helpers for the runtime tests: the real DurableClient built from a host's client data, waiting
// for conditions instead of sleeping, and starting runtimes that are stopped after each test.
import { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { DurableClientData } from "../../local/durable/clientData";
import { startRuntime, type RunningRuntime, type RuntimeOptions } from "../../local/runtime";
import { testStorage } from "../support/storage";

/** A DurableClient exactly as df.getClient(context) builds it inside a client function. */
export function durableClientFor(clientData: DurableClientData): df.DurableClient {
  const binding = df.input.durableClient();
  const context = new InvocationContext({ options: { extraInputs: [binding] } });
  context.extraInputs.set(binding, clientData);
  return df.getClient(context);
}

/** Polls `check` until it returns a value other than undefined, or fails after the timeout. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Collects log lines so a test can assert on them (and print them when it fails). */
export function logCollector(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

/** Runtimes a test file starts on the shared Azurite, stopped together (in afterEach). */
export function runtimeStarter(log: (line: string) => void): {
  start(taskHub: string, options?: Partial<RuntimeOptions>): Promise<RunningRuntime>;
  stopAll(timeoutMs?: number): Promise<void>;
} {
  const started: RunningRuntime[] = [];
  return {
    async start(taskHub, options = {}) {
      const runtime = await startRuntime({ storageConnectionString: testStorage(), taskHub, port: 0, timers: false, log, ...options });
      started.push(runtime);
      return runtime;
    },
    async stopAll(timeoutMs) {
      await Promise.all(started.splice(0).map((r) => r.stop(timeoutMs)));
    },
  };
}
