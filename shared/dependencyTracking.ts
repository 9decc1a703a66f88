// Dependency telemetry for keyward's two dependencies: the key vaults (keys API) and the storage
// account (tables, blobs). Every Azure SDK client sends through node:http/https, whose
// diagnostics channels report each request's start, response and error, so one subscription
// covers every client without touching how any is built. Other outbound calls (token
// endpoints, the durable API, the telemetry exporter itself) are not tracked.
//
// What is recorded is chosen to carry no data: the method, the host, and a path template
// (/keys/{name}/{version}/unwrapkey, /{table}/{entity}, /{container}/{blob}); never a query
// string (a SAS signature lives there), a header (tokens) or a body.
import diagnostics from "node:diagnostics_channel";
import type { ClientRequest, IncomingMessage } from "node:http";
import { isVaultHost } from "./keyvault/vaultResource";
import { settings, type StorageConnection } from "./settings";
import { storageEndpointUrls } from "./storage/clients";
import type { TelemetryItem } from "./telemetryItems";

type Emit = (item: TelemetryItem) => void;
type Kind = { type: "Azure Key Vault" | "Azure table" | "Azure blob"; prefix: string };

const KEY_OPERATIONS = /^(wrapkey|unwrapkey|encrypt|decrypt|sign|verify|rotate|rotationpolicy|versions|backup|restore|release|create|import)$/i;

/** /keys/{name}[/{version}][/{operation}] with the names replaced; other vault paths keep their first segment. */
export function vaultPathTemplate(path: string): string {
  const segments = path.split("?")[0].split("/").filter(Boolean);
  if (segments[0]?.toLowerCase() !== "keys" && segments[0]?.toLowerCase() !== "deletedkeys") return `/${segments[0] ?? ""}`;
  const out = [segments[0], ...(segments.length > 1 ? ["{name}"] : [])];
  for (const s of segments.slice(2)) out.push(KEY_OPERATIONS.test(s) ? s.toLowerCase() : "{version}");
  return `/${out.join("/")}`;
}

/** The table or container (first segment, an entity's key predicate dropped) and a placeholder for the rest. */
export function storagePathTemplate(path: string, type: Kind["type"]): string {
  const segments = path.split("?")[0].split("/").filter(Boolean);
  if (segments.length === 0) return "/";
  const first = segments[0].replace(/\(.*$/, "");
  const entity = segments[0].includes("(") && !segments[0].endsWith("()");
  if (type === "Azure table") return `/${first}${entity ? "/{entity}" : ""}`;
  return `/${first}${segments.length > 1 ? "/{blob}" : ""}`;
}

type Endpoint = { host: string; prefix: string; type: Kind["type"] };
let endpointsFor: { key: string; endpoints: Endpoint[] } | undefined;

/** host[:port] and path prefix of the data account's endpoints (Azurite is path-style); parsed once per setting. */
function storageEndpoints(connection: StorageConnection | undefined): Endpoint[] {
  const key = JSON.stringify(connection ?? null);
  if (endpointsFor?.key === key) return endpointsFor.endpoints;
  const urls = !connection ? {} : connection.kind === "identity"
    ? { table: connection.tableServiceUri, blob: connection.blobServiceUri }
    : storageEndpointUrls(connection.connectionString);
  const out: Endpoint[] = [];
  for (const [raw, type] of [[urls.table, "Azure table"], [urls.blob, "Azure blob"]] as const) {
    if (!raw) continue;
    try {
      const url = new URL(raw);
      out.push({ host: url.host.toLowerCase(), prefix: url.pathname.replace(/\/+$/, ""), type });
    } catch { /* not a URL: nothing to match */ }
  }
  endpointsFor = { key, endpoints: out };
  return out;
}

function classify(host: string, path: string): (Kind & { template: string }) | undefined {
  const hostname = host.replace(/:\d+$/, "");
  if (isVaultHost(hostname)) return { type: "Azure Key Vault", prefix: "", template: vaultPathTemplate(path) };
  const lower = host.toLowerCase();
  for (const e of storageEndpoints(settings().dataStorage)) {
    if (lower === e.host && (e.prefix === "" || path.startsWith(`${e.prefix}/`) || path === e.prefix)) {
      return { type: e.type, prefix: e.prefix, template: storagePathTemplate(path.slice(e.prefix.length), e.type) };
    }
  }
  if (/\.table\.core\.windows\.net$/i.test(hostname)) return { type: "Azure table", prefix: "", template: storagePathTemplate(path, "Azure table") };
  if (/\.blob\.core\.windows\.net$/i.test(hostname)) return { type: "Azure blob", prefix: "", template: storagePathTemplate(path, "Azure blob") };
  return undefined;
}

interface Started {
  at: number;
  type: Kind["type"];
  name: string;
  target: string;
}

let started = false;
let emitTo: Emit | undefined;

/** Subscribes once per process; later calls only change where items go. */
export function startDependencyTracking(emit: Emit): void {
  emitTo = emit;
  if (started) return;
  started = true;
  const inFlight = new WeakMap<ClientRequest, Started>();
  const finish = (request: ClientRequest, resultCode: string, success: boolean) => {
    const s = inFlight.get(request);
    if (!s) return;
    inFlight.delete(request);
    emitTo?.({ kind: "dependency", type: s.type, name: s.name, target: s.target, data: s.name, durationMs: performance.now() - s.at, resultCode, success });
  };
  diagnostics.subscribe("http.client.request.start", (message) => {
    const { request } = message as { request: ClientRequest };
    try {
      const host = String(request.getHeader("host") ?? request.host ?? "");
      const kind = classify(host, request.path);
      if (kind) inFlight.set(request, { at: performance.now(), type: kind.type, name: `${request.method} ${kind.template}`, target: host.toLowerCase() });
    } catch {
      // Telemetry must never break a call.
    }
  });
  diagnostics.subscribe("http.client.response.finish", (message) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    const status = response.statusCode ?? 0;
    // 404 and 409/412 are answers keyward expects and handles (absent rows, ETag races).
    finish(request, String(status), status > 0 && (status < 400 || [404, 409, 412].includes(status)));
  });
  diagnostics.subscribe("http.client.request.error", (message) => {
    const { request, error } = message as { request: ClientRequest; error: NodeJS.ErrnoException };
    finish(request, error?.code ?? "Error", false);
  });
}
