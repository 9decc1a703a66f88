// The one HTTP server of the local runtime, laid out like the Functions host:
//   /<routePrefix>/<route>                 app.http functions (host.json's
//                                          extensions.http.routePrefix; "api" when unset, "" for none)
//   /runtime/webhooks/durabletask/...      the durable HTTP API (status, raise event, terminate...)
//   /runtime/webhooks/eventgrid?functionName=...          Event Grid deliveries
// and, on a second listener bound to loopback only, /durabletask/...: the rpc API DurableClient
// calls (the Functions host's internal listener; it is never on the public port).
//
// The webhooks need their extension's system key, as in Azure: `?code=` or `x-functions-key`,
// the durabletask_extension key for the durable webhooks and the eventgrid_extension key for Event
// Grid. Without it: 401 and nothing runs. A holder of a system key bypasses keyward's roles and
// tenancy (it can start, terminate or feed events to any orchestration), exactly as in Azure, so
// those keys are secrets of the platform operator, never handed to a tenant.
// Anything else is a 404 with a JSON body. A function that throws gives a 500 with a generic JSON
// error; the details go to the log only.
import { timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { DurableHost } from "../durable/host";
import { DURABLE_RPC_PREFIX, DURABLE_WEBHOOK_PREFIX } from "../durable/clientData";
import { durableApiPath, handleDurableApi } from "../durable/rpcApi";
import { registry } from "../functionsCore";
import type { LogSink } from "../invocation";
import { EVENT_GRID_PATH, handleEventGrid } from "./eventGrid";
import { findRoute, httpRoutes, invokeHttpFunction, type HttpRoute } from "./httpFunctions";
import { HTTP_STREAMING } from "../../shared/http/streaming";

/** What is still read and discarded of a body its function left unread: beyond either, the connection is cut. */
const DISCARD_BYTES = 64 * 1024 * 1024;
const DISCARD_MS = 10_000;

/**
 * Sends an answer with `send`. Answered before the body ended (a 413 mid-stream, a GET or a 404
 * whose body nobody reads, a function that threw): what the client still sends is read and
 * discarded, never buffered, and while the body is still arriving (the parser has not seen its
 * end) the answer says the connection closes, so no next request is parsed out of the body's
 * remainder. A body that arrived whole but unread keeps the connection. A sender that keeps
 * going past the bound loses the connection, as a web server would cut it.
 */
function answerBeforeBodyEnd(req: http.IncomingMessage, res: http.ServerResponse, send: () => void): void {
  const unread = !req.readableEnded;
  if (unread && !req.complete) res.setHeader("connection", "close");
  send();
  if (unread) discardRest(req);
}

function discardRest(req: http.IncomingMessage): void {
  let discarded = 0;
  const cut = setTimeout(() => req.socket.destroy(), DISCARD_MS).unref();
  req.removeAllListeners("readable");
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_BYTES) req.socket.destroy();
  });
  req.once("end", () => clearTimeout(cut));
  req.once("error", () => clearTimeout(cut));
  req.resume();
}

/** The Functions host's default routePrefix, used when host.json sets none. */
export const DEFAULT_ROUTE_PREFIX = "api";

export interface LocalServerOptions {
  host: DurableHost;
  log: LogSink;
  /** host.json's extensions.http.routePrefix: "api" by default, "" to serve functions at the root. */
  routePrefix?: string;
  /** The extensions' system keys; a webhook called without its key is refused (401). */
  systemKeys: SystemKeys;
}

/** What the Functions host keeps as host keys "durabletask_extension" and "eventgrid_extension". */
export interface SystemKeys {
  durabletask: string;
  eventgrid: string;
}

export interface LocalServer {
  server: http.Server;
  /** The loopback listener of the rpc API DurableClient calls. */
  rpcServer: http.Server;
  /** Listens on `port` (public) and on a free loopback port (rpc); returns both. */
  listen(port: number): Promise<{ port: number; rpcPort: number }>;
  close(): Promise<void>;
}

function keyMatches(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function presentedKey(url: URL, headers: Record<string, string>): string | undefined {
  return url.searchParams.get("code") ?? headers["x-functions-key"] ?? undefined;
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
    const headers = flattenHeaders(req.headers);
    const apiPath = url.pathname.startsWith(DURABLE_WEBHOOK_PREFIX.slice(0, -1)) ? durableApiPath(url.pathname) : undefined;
    const isEventGrid = url.pathname === EVENT_GRID_PATH || url.pathname === `${EVENT_GRID_PATH}/`;
    if (apiPath !== undefined || isEventGrid || !HTTP_STREAMING) return handleBuffered(req, res, method, url, headers, apiPath, await readBody(req));
    return handleFunction(req, res, method, url, headers, req);
  }

  async function handleBuffered(req: http.IncomingMessage, res: http.ServerResponse, method: string, url: URL, headers: Record<string, string>, apiPath: string | undefined, body: Buffer): Promise<void> {
    if (apiPath !== undefined) {
      if (!keyMatches(presentedKey(url, headers), options.systemKeys.durabletask)) return sendJson(res, 401, unauthorized("durabletask_extension"));
      const reply = await handleDurableApi(host, { method, url, body }, apiPath);
      return sendJson(res, reply.status, reply.body, reply.headers);
    }
    if (url.pathname === EVENT_GRID_PATH || url.pathname === `${EVENT_GRID_PATH}/`) {
      if (!keyMatches(presentedKey(url, headers), options.systemKeys.eventgrid)) return sendJson(res, 401, unauthorized("eventgrid_extension"));
      const reply = await handleEventGrid({ method, url, headers, body }, env);
      return sendJson(res, reply.status, reply.body, reply.headers);
    }
    return handleFunction(req, res, method, url, headers, body);
  }

  /** An HTTP function's route; `body` is the whole body, or the request itself when HTTP streaming is on. */
  async function handleFunction(req: http.IncomingMessage, res: http.ServerResponse, method: string, url: URL, headers: Record<string, string>, body: Buffer | http.IncomingMessage): Promise<void> {
    const answer = (send: () => void): void => answerBeforeBodyEnd(req, res, send);
    if (prefix === "" || url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)) {
      const match = findRoute(currentRoutes(), method, url.pathname.slice(prefix.length));
      if (match === "notFound" || match === "methodNotAllowed") {
        return answer(() => sendJson(res, 404, { error: "Not Found", message: `no function answers ${method} ${url.pathname}` }));
      }
      const out = await invokeHttpFunction(match, { method, url, headers, body }, env);
      return answer(() => {
        res.statusCode = out.status;
        for (const [name, value] of out.headers) res.appendHeader(name, value);
        res.end(method === "HEAD" ? undefined : out.body);
      });
    }
    answer(() => sendJson(res, 404, { error: "Not Found", message: `nothing is served at ${url.pathname}` }));
  }

  // The rpc listener answers the rpc API only: what the in-process DurableClient calls.
  async function handleRpc(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const body = await readBody(req);
    const apiPath = url.pathname.startsWith(DURABLE_RPC_PREFIX.slice(0, -1)) ? durableApiPath(url.pathname) : undefined;
    if (apiPath === undefined) return sendJson(res, 404, { error: "Not Found", message: `nothing is served at ${url.pathname}` });
    const reply = await handleDurableApi(host, { method, url, body }, apiPath);
    sendJson(res, reply.status, reply.body, reply.headers);
  }

  const failed = (req: http.IncomingMessage, res: http.ServerResponse) => (err: unknown) => {
    log(`[http] ${req.method ?? "?"} ${req.url ?? "?"} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A function that threw may have left its body unread.
    answerBeforeBodyEnd(req, res, () => sendJson(res, 500, { error: "Internal Server Error", message: "The function failed. See the runtime log for details." }));
  };
  const server = http.createServer((req, res) => void handle(req, res).catch(failed(req, res)));
  const rpcServer = http.createServer((req, res) => void handleRpc(req, res).catch(failed(req, res)));

  return {
    server,
    rpcServer,
    listen: async (port) => ({ port: await listenOn(server, port), rpcPort: await listenOn(rpcServer, 0) }),
    close: () => Promise.all([closeServer(server), closeServer(rpcServer)]).then(() => undefined),
  };
}

function unauthorized(keyName: string): { error: string; message: string } {
  return { error: "Unauthorized", message: `this webhook needs the ${keyName} system key (?code= or x-functions-key)` };
}

function listenOn(server: http.Server, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections(); // keep-alive sockets would hold close() open
  });
}
