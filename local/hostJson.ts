// Reads what the local runtime must honour from the app's host.json, as the Functions host does:
// today extensions.http.routePrefix. host.json sits at the app's root, beside package.json; the
// runtime runs from local/ (tests, through the source) or dist/local/ (npm start), so it is
// looked for upwards from here.
import fs from "node:fs";
import path from "node:path";
import { DEFAULT_ROUTE_PREFIX } from "./http/server";

export interface HostJsonSettings {
  /** extensions.http.routePrefix: "api" when host.json sets none, "" to serve functions at the root. */
  routePrefix: string;
}

export function findHostJson(startDir: string = __dirname): string | undefined {
  for (let dir = startDir, i = 0; i < 4; i++, dir = path.dirname(dir)) {
    const file = path.join(dir, "host.json");
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

export function readHostJson(file: string | undefined = findHostJson()): HostJsonSettings {
  if (!file || !fs.existsSync(file)) return { routePrefix: DEFAULT_ROUTE_PREFIX };
  let doc: { extensions?: { http?: { routePrefix?: unknown } } };
  try {
    doc = JSON.parse(fs.readFileSync(file, "utf8")) as typeof doc;
  } catch (err) {
    throw new Error(`host.json at ${file} is not valid JSON (${err instanceof Error ? err.message : String(err)}); fix it, the Functions host would refuse it too.`);
  }
  const prefix = doc.extensions?.http?.routePrefix;
  if (prefix !== undefined && typeof prefix !== "string") {
    throw new Error(`host.json at ${file}: extensions.http.routePrefix must be a string (it is ${JSON.stringify(prefix)}).`);
  }
  return { routePrefix: prefix ?? DEFAULT_ROUTE_PREFIX };
}
