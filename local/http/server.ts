// The one HTTP server of the local runtime, laid out like the Functions host:
//   /<routePrefix>/<route>                 app.http functions (host.json's
//                                          extensions.http.routePrefix; "api" when unset, "" for none)
//   /durabletask/..., /runtime/webhooks/durabletask/...   the durable HTTP API (DurableClient)
//   /runtime/webhooks/eventgrid?functionName=...          Event Grid deliveries
// Anything else is a 404 with a JSON body. A function that throws gives a 500 with a generic JSON
// error; the details go to the log only.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { DurableHost } from "../durable/host";
import { durableApiPath, handleDurableApi } from "../durable/rpcApi";
import { registry } from "../functionsCore";
import type { LogSink } from "../invocation";
import { EVENT_GRID_PATH, handleEventGrid } from "./eventGrid";
import { findRoute, httpRoutes, invokeHttpFunction, type HttpRoute } from "./httpFunctions";

/** The Functions host's default routePrefix, used when host.json sets none. */
export const DEFAULT_ROUTE_PREFIX = "api";

export interface LocalServerOptions {
  host: DurableHost;
  log: LogSink;
  /** host.json's extensions.http.routePrefix: "api" by default, "" to serve functions at the root. */
  routePrefix?: string;
}

export interface LocalServer {
  server: http.Server;
  listen(port: number): Promise<number>;
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { ...(payload ? { "Content-Type": "application/json; charset=utf-8" } : {}), ...headers });
  res.end(payload);
}

/** "api", "/api/" -> "/api"; "" or "/" -> "" (functions at the root, as the host does). */
function normalizePrefix(routePrefix: string): string {
  const trimmed = routePrefix.replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "" : `/${trimmed}`;
}

export function createLocalServer(options: LocalServerOptions): LocalServer {
  const { host, log } = options;
  const prefix = normalizePrefix(options.routePrefix ?? DEFAULT_ROUTE_PREFIX);
  const env = { log, durableClientData: () => host.clientData() };
  // Routes are rebuilt only when the set of registered functions changes.
  let routes: HttpRoute[] = [];
  let routesFor = -1;
  const currentRoutes = (): HttpRoute[] => {
    if (routesFor !== registry.functions.size) {
      routes = httpRoutes();
      routesFor = registry.functions.size;
    }
    return routes;
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
    const body = await readBody(req);
    const headers = flattenHeaders(req.headers);

    const apiPath = durableApiPath(url.pathname);
    if (apiPath !== undefined) {
      const reply = await handleDurableApi(host, { method, url, body }, apiPath);
      return sendJson(res, reply.status, reply.body, reply.headers);
    }
    if (url.pathname === EVENT_GRID_PATH || url.pathname === `${EVENT_GRID_PATH}/`) {
      const reply = await handleEventGrid({ method, url, headers, body }, env);
      return sendJson(res, reply.status, reply.body, reply.headers);
    }
    if (prefix === "" || url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)) {
      const match = findRoute(currentRoutes(), method, url.pathname.slice(prefix.length));
      if (match === "notFound" || match === "methodNotAllowed") {
        return sendJson(res, 404, { error: "Not Found", message: `no function answers ${method} ${url.pathname}` });
      }
      const out = await invokeHttpFunction(match, { method, url, headers, body }, env);
      res.statusCode = out.status;
      for (const [name, value] of out.headers) res.appendHeader(name, value);
      res.end(method === "HEAD" ? undefined : out.body);
      return;
    }
    sendJson(res, 404, { error: "Not Found", message: `nothing is served at ${url.pathname}` });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`[http] ${req.method ?? "?"} ${req.url ?? "?"} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, 500, { error: "Internal Server Error", message: "The function failed. See the runtime log for details." });
    });
  });

  return {
    server,
    listen: (port) =>
      new Promise<number>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => {
          server.off("error", reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // keep-alive sockets would hold close() open
      }),
  };
}
