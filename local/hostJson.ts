// Reads the app's host.json, the settings the embedded runtime honours from it. The Functions host
// binds host.json case-insensitively, so keys are matched without regard to case here too.
import fs from "node:fs";
import path from "node:path";

export interface DurableTaskHostJson {
  hubName?: string;
  maxConcurrentActivityFunctions?: number;
  maxConcurrentOrchestratorFunctions?: number;
  extendedSessionsEnabled?: boolean;
  storageProvider?: {
    connectionName?: string;
    /** The older name of connectionName. */
    connectionStringName?: string;
    controlQueueBatchSize?: number;
  };
}

export interface HostJson {
  functionTimeout?: string;
  extensions?: { durableTask?: DurableTaskHostJson; http?: { routePrefix?: string } };
}

/** The nearest host.json at or above `fromDir` (local/ in the sources, dist/local/ when compiled). */
export function findHostJson(fromDir: string = __dirname): string | undefined {
  for (let dir = path.resolve(fromDir); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "host.json");
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

export function readHostJson(file: string): HostJson {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
  } catch (err) {
    throw new Error(`could not read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseHostJson(raw, file);
}

/** Picks out (and type-checks) the settings used here; everything else in host.json is ignored. */
export function parseHostJson(raw: unknown, source = "host.json"): HostJson {
  const root = record(raw, source, "the file");
  const durable = optionalRecord(field(field(root, "extensions"), "durableTask"), source, "extensions.durableTask");
  const provider = optionalRecord(field(durable, "storageProvider"), source, "extensions.durableTask.storageProvider");
  const at = (key: string): string => `extensions.durableTask.${key}`;
  const http = optionalRecord(field(field(root, "extensions"), "http"), source, "extensions.http");
  return {
    functionTimeout: optional(field(root, "functionTimeout"), "string", source, "functionTimeout"),
    extensions: {
      http: { routePrefix: optional(field(http, "routePrefix"), "string", source, "extensions.http.routePrefix") },
      durableTask: {
        hubName: optional(field(durable, "hubName"), "string", source, at("hubName")),
        maxConcurrentActivityFunctions: optional(field(durable, "maxConcurrentActivityFunctions"), "number", source, at("maxConcurrentActivityFunctions")),
        maxConcurrentOrchestratorFunctions: optional(field(durable, "maxConcurrentOrchestratorFunctions"), "number", source, at("maxConcurrentOrchestratorFunctions")),
        extendedSessionsEnabled: optional(field(durable, "extendedSessionsEnabled"), "boolean", source, at("extendedSessionsEnabled")),
        storageProvider: {
          connectionName: optional(field(provider, "connectionName"), "string", source, at("storageProvider.connectionName")),
          connectionStringName: optional(field(provider, "connectionStringName"), "string", source, at("storageProvider.connectionStringName")),
          controlQueueBatchSize: optional(field(provider, "controlQueueBatchSize"), "number", source, at("storageProvider.controlQueueBatchSize")),
        },
      },
    },
  };
}

function field(value: unknown, key: string): unknown {
  if (typeof value !== "object" || value === null) return undefined;
  const wanted = key.toLowerCase();
  const entry = Object.entries(value).find(([k]) => k.toLowerCase() === wanted);
  return entry?.[1];
}

function record(value: unknown, source: string, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${source}: ${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function optionalRecord(value: unknown, source: string, what: string): Record<string, unknown> | undefined {
  return value === undefined ? undefined : record(value, source, what);
}

function optional<K extends "string" | "number" | "boolean">(value: unknown, type: K, source: string, what: string): (K extends "string" ? string : K extends "number" ? number : boolean) | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== type) throw new Error(`${source}: ${what} must be a ${type}, not ${JSON.stringify(value)}`);
  return value as K extends "string" ? string : K extends "number" ? number : boolean;
}

/** The Functions host's routePrefix when host.json sets none. */
export const DEFAULT_ROUTE_PREFIX = "api";

/** extensions.http.routePrefix: "api" when host.json sets none, "" to serve functions at the root. */
export function routePrefixOf(hostJson: HostJson): string {
  return hostJson.extensions?.http?.routePrefix ?? DEFAULT_ROUTE_PREFIX;
}
