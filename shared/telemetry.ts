// Telemetry through applicationinsights, off unless APPLICATIONINSIGHTS_CONNECTION_STRING is set
// (or a test installs a sink with setTelemetrySink). Only names, counts, durations and statuses
// go out: never a key, a DEK, a token or a record value, and no URL that carries data (record ids
// and file paths are data, so requests are named by their route template).
// Requests are tracked by shared/http/route.ts, dependencies (vault, storage) by
// shared/dependencyTracking.ts; the SDK's own auto-collection of both is off, because it records
// full URLs (data in paths, SAS signatures in query strings).
import type { TelemetryClient } from "applicationinsights";
import { startDependencyTracking } from "./dependencyTracking";
import { settings } from "./settings";
import { credentialFor } from "./keyvault/credentials";

import type { TelemetryItem, TelemetryProperties, TelemetrySink } from "./telemetryItems";

export type { TelemetryItem, TelemetryProperties, TelemetrySink } from "./telemetryItems";

let client: TelemetryClient | null | undefined;
let sink: TelemetrySink | undefined;

function telemetry(): TelemetryClient | null {
  if (client !== undefined) return client;
  const s = settings();
  if (!s.appInsightsConnectionString) return (client = null);
  // Loaded only when configured: it starts OpenTelemetry instrumentation on import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const appInsights = require("applicationinsights") as typeof import("applicationinsights");
  const configured = appInsights.setup(s.appInsightsConnectionString).setAutoCollectConsole(false).setAutoCollectRequests(false).setAutoCollectDependencies(false);
  // Local authentication off (the template's instance): the exporter sends an Entra token of the
  // identity APPLICATIONINSIGHTS_AUTHENTICATION_STRING names (the shim's documented aadTokenCredential).
  if (s.appInsightsEntraAuth) appInsights.defaultClient.config.aadTokenCredential = telemetryCredential(s.appInsightsEntraAuth.clientId);
  configured.start();
  startDependencyTracking(emit);
  return (client = appInsights.defaultClient);
}

/** keyward's own identity (the managed identity by client id; the local issuer's tokens locally). */
function telemetryCredential(clientId: string | undefined) {
  const s = settings();
  return credentialFor({ principalId: s.identityMode === "local" ? s.platformPrincipalId : clientId ?? "system-assigned", clientId });
}

/** Whether anything receives telemetry (lets callers skip work that only feeds it). */
export function telemetryEnabled(): boolean {
  return sink !== undefined || telemetry() !== null;
}

/** Routes every item to `next` (and starts dependency tracking); undefined restores the default. */
export function setTelemetrySink(next: TelemetrySink | undefined): void {
  sink = next;
  if (next) startDependencyTracking(emit);
}

// A JWT (header.payload.) anywhere in a value is replaced: defence in depth, should a message
// ever quote an Authorization header.
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;

function scrub(properties: TelemetryProperties): TelemetryProperties {
  const out: TelemetryProperties = {};
  for (const [k, v] of Object.entries(properties)) out[k] = typeof v === "string" ? v.replace(JWT, "[redacted]") : v;
  return out;
}

function emit(item: TelemetryItem): void {
  if (sink) return sink(item);
  const c = telemetry();
  if (!c) return;
  switch (item.kind) {
    case "event": return c.trackEvent({ name: item.name, properties: item.properties });
    case "metric": return c.trackMetric({ name: item.name, value: item.value, properties: item.properties });
    case "request": return c.trackRequest({ id: item.id, name: item.name, url: item.url, duration: item.durationMs, resultCode: item.resultCode, success: item.success, properties: item.properties });
    case "dependency": return c.trackDependency({ dependencyTypeName: item.type, name: item.name, target: item.target, data: item.data, duration: item.durationMs, resultCode: item.resultCode, success: item.success });
  }
}

export function trackEvent(name: string, properties: TelemetryProperties = {}): void {
  emit({ kind: "event", name, properties: scrub(properties) });
}

export function trackMetric(name: string, value: number, properties: TelemetryProperties = {}): void {
  emit({ kind: "metric", name, value, properties: scrub(properties) });
}

/** An HTTP request keyward served. `route` is the template (environments/{id}/...), never the filled-in path. */
export function trackRequest(request: { id: string; method: string; route: string; durationMs: number; status: number; properties?: TelemetryProperties }): void {
  emit({
    kind: "request", id: request.id, name: `${request.method} /api/${request.route}`, url: `/api/${request.route}`,
    durationMs: request.durationMs, resultCode: String(request.status), success: request.status < 500, properties: scrub(request.properties ?? {}),
  });
}
