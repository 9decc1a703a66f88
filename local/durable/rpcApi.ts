// The Durable Task extension's HTTP API, as durable-functions' DurableClient calls it on
// `rpcBaseUrl` (/durabletask/...) and as the management URLs point to it
// (/runtime/webhooks/durabletask/...). Transport-neutral: the HTTP server adapts it.
import { managementUrlsFor, DURABLE_RPC_PREFIX, DURABLE_WEBHOOK_PREFIX } from "./clientData";
import { InstanceExistsError, OrchestratorNotFoundError, type DeliveryResult, type DurableHost } from "./host";
import type { StateQuery } from "./historyStore";
import { TERMINAL_STATUSES, type RuntimeStatus } from "./instanceState";
import { toStatusJson } from "./statusView";

export interface RpcRequest {
  method: string;
  url: URL;
  body: Buffer;
}

export interface RpcResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

const RUNTIME_STATUSES: readonly RuntimeStatus[] = ["Pending", "Running", ...TERMINAL_STATUSES];

/** The API path below the prefix ("instances/abc"), or undefined if the path is not the durable API. */
export function durableApiPath(pathname: string): string | undefined {
  for (const prefix of [DURABLE_RPC_PREFIX, DURABLE_WEBHOOK_PREFIX]) {
    if (pathname.startsWith(prefix)) return pathname.slice(prefix.length);
    if (pathname === prefix.slice(0, -1)) return "";
  }
  return undefined;
}

class BadRequest extends Error {}

function parseBody(body: Buffer): unknown {
  const text = body.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequest("the request body is not valid JSON");
  }
}

function flag(url: URL, name: string, fallback: boolean): boolean {
  const value = url.searchParams.get(name);
  return value === null ? fallback : value.toLowerCase() === "true";
}

function stateQuery(url: URL): StateQuery {
  const query: StateQuery = {};
  const statuses = url.searchParams.get("runtimeStatus");
  if (statuses) {
    query.runtimeStatus = statuses.split(",").map((s) => {
      const status = RUNTIME_STATUSES.find((r) => r.toLowerCase() === s.trim().toLowerCase());
      if (!status) throw new BadRequest(`unknown runtimeStatus '${s}'`);
      return status;
    });
  }
  const from = url.searchParams.get("createdTimeFrom");
  const to = url.searchParams.get("createdTimeTo");
  if (from) query.createdTimeFrom = new Date(from).toISOString();
  if (to) query.createdTimeTo = new Date(to).toISOString();
  return query;
}

function delivery(result: DeliveryResult, instanceId: string): RpcResponse {
  if (result === "accepted") return { status: 202 };
  if (result === "notFound") return { status: 404, body: { message: `No instance with ID '${instanceId}' found.` } };
  return { status: 410, body: { message: `The instance '${instanceId}' has already finished.` } };
}

export async function handleDurableApi(host: DurableHost, req: RpcRequest, apiPath: string): Promise<RpcResponse> {
  try {
    return await route(host, req, apiPath.split("/").map((s) => decodeURIComponent(s)));
  } catch (err) {
    if (err instanceof BadRequest || err instanceof OrchestratorNotFoundError) return { status: 400, body: { message: err.message } };
    if (err instanceof InstanceExistsError) return { status: 409, body: { message: err.message } };
    throw err;
  }
}

async function route(host: DurableHost, req: RpcRequest, parts: string[]): Promise<RpcResponse> {
  const { method, url } = req;
  const [resource, id, action, actionArg] = parts;

  if (resource === "orchestrators" && method === "POST" && id && parts.length <= 3) {
    const instanceId = await host.startNew(id, { instanceId: action || undefined, input: parseBody(req.body) });
    const urls = managementUrlsFor(host.baseOrigin, host.taskHub, instanceId, host.systemKey);
    return { status: 202, headers: { Location: urls.statusQueryGetUri }, body: { ...urls, id: instanceId } };
  }

  if (resource === "instances" && !id && parts.length <= 2) {
    if (method === "GET") {
      const showInput = flag(url, "showInput", false);
      const states = await host.listInstances(stateQuery(url));
      return { status: 200, body: states.map((s) => toStatusJson(s, { showInput })) };
    }
    if (method === "DELETE") {
      const purged = await host.purgeBy(stateQuery(url));
      return purged ? { status: 200, body: { instancesDeleted: purged } } : { status: 404, body: { instancesDeleted: 0 } };
    }
  }

  if (resource === "instances" && id && !action) {
    if (method === "GET") {
      const state = await host.getState(id);
      if (!state) return { status: 404 };
      const history = flag(url, "showHistory", false) ? await host.getHistory(id) : undefined;
      const body = toStatusJson(state, { showInput: flag(url, "showInput", true), history, showHistoryOutput: flag(url, "showHistoryOutput", false) });
      return { status: state.runtimeStatus === "Running" || state.runtimeStatus === "Pending" ? 202 : 200, body };
    }
    if (method === "DELETE") {
      return (await host.purge(id)) ? { status: 200, body: { instancesDeleted: 1 } } : { status: 404, body: { instancesDeleted: 0 } };
    }
  }

  if (resource === "instances" && id && method === "POST") {
    if (action === "raiseEvent" && actionArg) {
      const data = parseBody(req.body);
      return delivery(await host.raiseEvent(id, actionArg, data === undefined ? null : data), id);
    }
    if (action === "terminate") return delivery(await host.terminate(id, url.searchParams.get("reason")), id);
  }

  return { status: 501, body: { message: `${method} ${url.pathname} is not supported by the local durable host (no rewind, suspend, resume, restart or entities)` } };
}
