// The API part of a command's help, from the OpenAPI document the build writes (dist/openapi.json,
// generated from the routes' declarations): the route a command calls, its roles, its path and
// query parameters and its body fields, so the CLI's help never drifts from what the API takes.
import fs from "node:fs";
import path from "node:path";

type Json = Record<string, any>;

/** dist/openapi.json, from dist/cli/ (the built CLI) or from cli/ (the sources, in tests). */
const CANDIDATES = [path.resolve(__dirname, "../openapi.json"), path.resolve(__dirname, "../dist/openapi.json")];

let loaded: Json | null | undefined;

export function apiDocument(): Json | undefined {
  if (loaded === undefined) {
    const file = CANDIDATES.find((f) => fs.existsSync(f));
    loaded = file ? (JSON.parse(fs.readFileSync(file, "utf8")) as Json) : null;
  }
  return loaded ?? undefined;
}

export interface ApiOperation {
  method: string;
  path: string;
  operation: Json;
  /** Query parameters, declared on the path. */
  query: Json[];
}

export function findOperation(doc: Json, operationId: string): ApiOperation | undefined {
  for (const [p, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const [method, op] of Object.entries(item)) {
      if (method !== "parameters" && (op as Json).operationId === operationId) return { method: method.toUpperCase(), path: p, operation: op as Json, query: (item.parameters ?? []) as Json[] };
    }
  }
  return undefined;
}

const typeOf = (s: Json): string => (s.enum ? (s.enum as string[]).join("|") : s.const !== undefined ? JSON.stringify(s.const) : String(s.type ?? "value"));

function fieldLines(schema: Json, prefix: string): string[] {
  const required = new Set((schema.required ?? []) as string[]);
  const lines: string[] = [];
  for (const [name, s] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
    const item = s.type === "array" && s.items ? s.items : undefined;
    lines.push(`    ${prefix}${name} (${typeOf(s)}${item ? ` of ${typeOf(item)}` : ""}${required.has(name) ? ", required" : ""})${s.description ? `: ${s.description}` : ""}`);
    if (s.type === "object") lines.push(...fieldLines(s, `${prefix}${name}.`));
    if (item?.type === "object") lines.push(...fieldLines(item, `${prefix}${name}[].`));
  }
  return lines;
}

/** The lines of help for the route `operationId`; a note when the document is missing (run `npm run build`). */
export function apiHelpLines(operationId: string, doc: Json | null = apiDocument() ?? null): string[] {
  if (!doc) return ["", `API: ${operationId} (run 'npm run build' for its route and fields)`];
  const found = findOperation(doc, operationId);
  if (!found) return ["", `API: ${operationId} (not in this build's API document)`];
  const { method, path: route, operation, query } = found;
  const roles = (operation["x-keyward-roles"] ?? []) as string[];
  const base = ((doc.servers as Json[] | undefined)?.[0]?.url as string | undefined) ?? "";
  const lines = ["", `API: ${method} ${base}${route}  (${operationId}${roles.length ? `; roles: ${roles.join(" or ")}` : ""})`, `  ${operation.summary}`];
  const params = [...((operation.parameters ?? []) as Json[]), ...query];
  if (params.length) {
    lines.push("  parameters:");
    for (const p of params) lines.push(`    ${p.name} (${p.in}, ${typeOf(p.schema ?? {})}${p.required ? ", required" : ""})${p.schema?.description ?? p.description ? `: ${p.schema?.description ?? p.description}` : ""}`);
  }
  const content = operation.requestBody?.content as Record<string, Json> | undefined;
  if (content) {
    const [type, { schema }] = Object.entries(content)[0];
    if (schema?.properties) lines.push("  body (JSON):", ...fieldLines(schema, ""));
    else lines.push(`  body (${type})${schema?.description ? `: ${schema.description}` : ""}`);
  }
  return lines;
}
