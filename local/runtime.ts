// Starts the local Functions runtime over whatever the process has registered: the durable host
// (tables, recovery), the HTTP server (/api, durable API, Event Grid) and the timer triggers.
// It does not load the app: import ./functionsCore first, then the registration modules (app.ts
// or a test's functions), then call startRuntime.
import "./functionsCore";
import { DurableHost } from "./durable/host";
import { registry } from "./functionsCore";
import { consoleSink, type LogSink } from "./invocation";
import { createLocalServer } from "./http/server";
import { TimerTriggers } from "./timers";

export interface RuntimeOptions {
  storageConnectionString: string;
  taskHub: string;
  /** HTTP port; 0 for any free port. Default 7071, like the Functions host. */
  port?: number;
  /** Run timer functions on their schedules (default true). */
  timers?: boolean;
  /** Deliver durable timers at once (tests); the orchestration clock still jumps to FireAt. */
  fireTimersImmediately?: boolean;
  /** host.json's extensions.http.routePrefix (default "api", as the Functions host's). */
  routePrefix?: string;
  /** Activities running at the same time (default 16). */
  activityConcurrency?: number;
  log?: LogSink;
}

export interface RunningRuntime {
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  /** baseUrl + "/api" */
  apiBaseUrl: string;
  port: number;
  host: DurableHost;
  /** Runs a timer function now and waits for it. */
  triggerTimer(name: string): Promise<void>;
  /** Stops dispatching, closes the server, clears timers, waits (bounded) for work in flight. */
  stop(): Promise<void>;
}

export const DEFAULT_PORT = 7071;

export async function startRuntime(options: RuntimeOptions): Promise<RunningRuntime> {
  if (registry.functions.size === 0) {
    throw new Error(
      "No functions are registered. Import local/functionsCore before @azure/functions registers anything, then import the app's registration modules, then start the runtime.",
    );
  }
  const log = options.log ?? consoleSink;
  const host = new DurableHost({
    storageConnectionString: options.storageConnectionString,
    taskHub: options.taskHub,
    activityConcurrency: options.activityConcurrency,
    fireTimersImmediately: options.fireTimersImmediately,
    log,
  });
  await host.start();

  const server = createLocalServer({ host, log, routePrefix: options.routePrefix });
  const port = await server.listen(options.port ?? DEFAULT_PORT);
  const baseUrl = `http://127.0.0.1:${port}`;
  host.setOrigin(baseUrl);
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
  log(`[runtime] listening on ${baseUrl} (task hub ${options.taskHub}, ${registry.functions.size} functions)`);

  let stopping: Promise<void> | undefined;
  return {
    baseUrl,
    apiBaseUrl: `${baseUrl}/api`,
    port,
    host,
    triggerTimer: (name) => timers.trigger(name),
    stop: () =>
      (stopping ??= (async () => {
        const hostStopped = host.stop();
        await Promise.all([server.close(), timers.stop(), hostStopped]);
      })()),
  };
}
