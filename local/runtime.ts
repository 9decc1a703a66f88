// Starts the local Functions runtime over whatever the process has registered: the durable host
// (tables, recovery), the HTTP server (/api, durable API, Event Grid) and the timer triggers.
// It does not load the app: import ./functionsCore first, then the registration modules (app.ts
// or a test's functions), then call startRuntime.
//
// The durable host enforces what host.json says, as the Functions host would: functionTimeout on
// activities, extensions.durableTask's hubName (a "%Setting%" is read from the app settings),
// maxConcurrentActivityFunctions, maxConcurrentOrchestratorFunctions and storageProvider's
// connectionName and controlQueueBatchSize. Options override host.json (tests).
import "./functionsCore";
import { DurableHost } from "./durable/host";
import { resolveDurableSettings, type DurableSettings } from "./durableSettings";
import { registry } from "./functionsCore";
import { findHostJson, parseHostJson, readHostJson, routePrefixOf, type HostJson } from "./hostJson";
import { consoleSink, type LogSink } from "./invocation";
import { randomBytes } from "node:crypto";
import { createLocalServer, type SystemKeys } from "./http/server";
import { TimerTriggers } from "./timers";
import type { AppSettings } from "./appSettings";
import type { StorageRef } from "../shared/storage/clients";

export interface RuntimeOptions {
  /** AzureWebJobsStorage (a connection string, or the account by identity): the task hub lives here unless host.json's connectionName names another account. */
  storageConnectionString: StorageRef;
  /** The task hub, whatever host.json says (tests use a unique one). */
  taskHub?: string;
  /** The task hub when host.json names none, or its "%Setting%" is unset. Default "keywardHub". */
  defaultTaskHub?: string;
  /** host.json: a path, or its content. Default: the app's host.json (the nearest one above local/). */
  hostJson?: string | HostJson;
  /** Where app setting references resolve. Default process.env. */
  appSettings?: AppSettings;
  /** HTTP port; 0 for any free port. Default 7071, like the Functions host. */
  port?: number;
  /** Run timer functions on their schedules (default true). */
  timers?: boolean;
  /** Deliver durable timers at once (tests); the orchestration clock still jumps to FireAt. */
  fireTimersImmediately?: boolean;
  /** Overrides host.json's functionTimeout for activities (ms; Infinity for none). */
  functionTimeoutMs?: number;
  /** How long a timed-out activity may still finish before the worker restart (default 2000 ms, as the Functions host). */
  timeoutGracePeriodMs?: number;
  /** Overrides host.json's extensions.durableTask.maxConcurrentActivityFunctions. */
  maxConcurrentActivityFunctions?: number;
  /** Overrides host.json's extensions.durableTask.maxConcurrentOrchestratorFunctions. */
  maxConcurrentOrchestratorFunctions?: number;
  /** Overrides host.json's storageProvider.controlQueueBatchSize (messages per episode, at most 32). */
  controlQueueBatchSize?: number;
  /** Overrides host.json's extensions.http.routePrefix ("api" when host.json sets none, as the Functions host). */
  routePrefix?: string;
  /** The extensions' system keys the webhooks need. Default: new random keys each start. */
  systemKeys?: SystemKeys;
  log?: LogSink;
}

export interface RunningRuntime {
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  /** baseUrl + "/api" */
  apiBaseUrl: string;
  port: number;
  host: DurableHost;
  /** The system keys of the durable and Event Grid webhooks (`?code=`). */
  systemKeys: SystemKeys;
  /** What the durable host was started with (after host.json and the app settings). */
  durable: DurableSettings;
  /** Runs a timer function now and waits for it. */
  triggerTimer(name: string): Promise<void>;
  /** Stops dispatching, closes the server, clears timers, waits (at most timeoutMs, default 5 s) for work in flight. */
  stop(timeoutMs?: number): Promise<void>;
}

export const DEFAULT_PORT = 7071;
export const DEFAULT_TASK_HUB = "keywardHub";

export async function startRuntime(options: RuntimeOptions): Promise<RunningRuntime> {
  if (registry.functions.size === 0) {
    throw new Error(
      "No functions are registered. Import local/functionsCore before @azure/functions registers anything, then import the app's registration modules, then start the runtime.",
    );
  }
  const log = options.log ?? consoleSink;
  const hostJson = loadHostJson(options.hostJson);
  const durable = resolveDurableSettings({
    hostJson,
    settings: options.appSettings ?? process.env,
    storageConnectionString: options.storageConnectionString,
    defaultTaskHub: options.defaultTaskHub ?? DEFAULT_TASK_HUB,
    overrides: {
      taskHub: options.taskHub,
      functionTimeoutMs: options.functionTimeoutMs,
      timeoutGracePeriodMs: options.timeoutGracePeriodMs,
      maxConcurrentActivityFunctions: options.maxConcurrentActivityFunctions,
      maxConcurrentOrchestratorFunctions: options.maxConcurrentOrchestratorFunctions,
      controlQueueBatchSize: options.controlQueueBatchSize,
    },
  });
  for (const note of durable.notes) log(`[runtime] ${note}`);
  const host = new DurableHost({ ...durable, fireTimersImmediately: options.fireTimersImmediately, log });
  await host.start();

  // As the Functions host does: host.json decides where the HTTP functions answer.
  const systemKeys = options.systemKeys ?? newSystemKeys();
  const server = createLocalServer({ host, log, routePrefix: options.routePrefix ?? routePrefixOf(hostJson), systemKeys });
  const { port, rpcPort } = await server.listen(options.port ?? DEFAULT_PORT);
  const baseUrl = `http://127.0.0.1:${port}`;
  host.setOrigin(baseUrl, { rpcOrigin: `http://127.0.0.1:${rpcPort}`, systemKey: systemKeys.durabletask });
  // Core Tools sets this too. Without it df.getClient rewrites every management URL to
  // localhost:7071 (durable-functions' correctClientData), which is wrong on any other port.
  process.env.WEBSITE_HOSTNAME ??= `127.0.0.1:${port}`;

  const timers = new TimerTriggers({ log, durableClientData: () => host.clientData() });
  try {
    await host.recover();
    if (options.timers !== false) timers.start();
  } catch (err) {
    await host.stop(1000);
    await timers.stop(1000);
    await server.close();
    throw err;
  }
  log(`[runtime] listening on ${baseUrl} (task hub ${durable.taskHub} on ${durable.connectionName}, ${registry.functions.size} functions)`);

  let stopping: Promise<void> | undefined;
  return {
    baseUrl,
    apiBaseUrl: `${baseUrl}/api`,
    port,
    host,
    systemKeys,
    durable,
    triggerTimer: (name) => timers.trigger(name),
    stop: (timeoutMs?: number) =>
      (stopping ??= (async () => {
        const hostStopped = host.stop(timeoutMs);
        await Promise.all([server.close(), timers.stop(), hostStopped]);
      })()),
  };
}

/** Random keys, as the Functions host mints a host's system keys on first use. */
export function newSystemKeys(): SystemKeys {
  return { durabletask: randomBytes(32).toString("base64url"), eventgrid: randomBytes(32).toString("base64url") };
}

function loadHostJson(source: string | HostJson | undefined): HostJson {
  if (typeof source === "object") return parseHostJson(source, "the hostJson option");
  const file = source ?? findHostJson();
  if (!file) throw new Error("no host.json found above local/: pass the hostJson option, or run from the app's folder");
  return readHostJson(file);
}
