// The OpenAPI 3.1 document of the HTTP API, generated from routeCatalog (every registerRoute
// spec), so it lists exactly the routes the app serves: the test compares it with the functions
// the runtime registered. Route templates become OpenAPI paths ({*path} -> {path}, constraints
// dropped); roles become the bearer requirement plus x-keyward-roles; the body kind becomes the
// request body; every operation shares the one error shape.
import type { RouteSpec } from "./route";
import { needs } from "../errors";

type Json = Record<string, unknown>;

/** A Functions route template as an OpenAPI path under /api: "environments/{id}/files/{*path}" -> "/environments/{id}/files/{path}". */
export function openApiPath(route: string): string {
  return `/${route.replace(/\{\*{0,2}([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\??(?:=[^}]*)?\}/g, "{$1}")}`;
}

/** The parameters a route template names, in order, with whether each is a catch-all. */
export function routeParameters(route: string): { name: string; catchAll: boolean }[] {
  return [...route.matchAll(/\{(\*{0,2})([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => ({ name: m[2], catchAll: m[1].length > 0 }));
}

const ERROR_SCHEMA: Json = {
  type: "object", required: ["error"],
  properties: {
    error: {
      type: "object", required: ["code", "message"],
      properties: { code: { type: "string" }, message: { type: "string" }, target: { type: "string" } },
    },
  },
};

const errorResponse = (description: string): Json => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });

function successResponses(spec: RouteSpec): Json {
  const out: Json = {};
  if (!spec.responses) return { "2XX": { description: "Success." } };
  for (const [status, r] of Object.entries(spec.responses)) {
    out[status] = r.binary
      ? { description: r.description, content: { "application/octet-stream": { schema: { type: "string", contentMediaType: "application/octet-stream" } } } }
      : r.schema ? { description: r.description, content: { "application/json": { schema: r.schema } } } : { description: r.description };
  }
  return out;
}

function requestBody(spec: RouteSpec): Json | undefined {
  if (!spec.body) return undefined;
  if (spec.body.kind === "json") return { required: true, content: { "application/json": { schema: spec.body.field.schema } } };
  const schema = spec.body.contentType === "application/json"
    ? { description: spec.body.description, maxLength: spec.body.maxBytes }
    : { type: "string", contentMediaType: "application/octet-stream", description: spec.body.description, maxLength: spec.body.maxBytes };
  return { required: true, content: { [spec.body.contentType]: { schema } } };
}

/** Why a secured route answers 403: the role, and what the route needs besides it. */
function forbidden(spec: RouteSpec): string {
  const reasons = [`the caller lacks the role (${spec.roles.join(" or ")})`];
  if (isDataRoute(spec)) reasons.push("EnvironmentAccessDenied: the caller is not a member of the environment, or is a Read member and the call writes");
  if (spec.readerRequired) reasons.push("PolicyReaderRequired: the caller is not a Reader of the enterprise policy");
  return `Forbidden: ${reasons.join("; or ")}.`;
}

/** The data API: Environment.User routes, which also need membership of the environment. */
const isDataRoute = (spec: RouteSpec) => spec.roles.includes("Environment.User" as never);

function operation(spec: RouteSpec): Json {
  const secured = spec.roles.length > 0;
  const responses: Json = {
    ...successResponses(spec),
    "400": errorResponse("Bad input; the code and target say what."),
    ...(secured ? {
      "401": errorResponse("No token, a token that does not verify, or one without the caller's Entra tenant (a tid claim holding a tenant id)."),
      "403": errorResponse(forbidden(spec)),
    } : {}),
    "404": errorResponse(secured
      ? "Not found. Names resolve inside the caller's tenant only: another tenant's resource answers exactly as a missing one (404, same body shape)."
      : "Not found."),
    ...(isDataRoute(spec)
      ? { "423": errorResponse("EnvironmentLocked: the environment's key cannot be reached."), "503": errorResponse("EnvironmentUnavailable: the environment is in an encryption downtime (Retry-After).") }
      : {}),
    default: errorResponse("Any other error, in the same shape."),
  };
  const declared = spec.params ?? {};
  const body = requestBody(spec);
  return {
    operationId: spec.name,
    summary: spec.summary,
    tags: [spec.route.split("/")[0]],
    parameters: routeParameters(spec.route).map((p) => ({
      name: p.name, in: "path", required: true, schema: declared[p.name]?.schema ?? { type: "string" },
      ...(p.catchAll ? { description: "The rest of the path; may contain '/'." } : {}),
    })),
    ...(body ? { requestBody: body } : {}),
    responses,
    security: secured ? [{ bearer: [] }] : [],
    "x-keyward-roles": [...spec.roles],
    "x-keyward-audited": spec.audit,
  };
}

export function openApiDocument(specs: readonly RouteSpec[], info: { version: string }): Json {
  const paths: Record<string, Json> = {};
  for (const spec of [...specs].sort((a, b) => a.route.localeCompare(b.route) || a.method.localeCompare(b.method))) {
    const path = openApiPath(spec.route);
    const item = (paths[path] ??= {});
    const method = spec.method.toLowerCase();
    needs(!item[method], `Two routes answer ${spec.method} ${path}: ${(item[method] as Json | undefined)?.operationId} and ${spec.name}`);
    item[method] = operation(spec);
    // Query parameters are declared on the path (they apply to its operations): a route that
    // reads a query string has its path to itself, which the precondition keeps true.
    const query = Object.entries(spec.query ?? {});
    if (query.length > 0) item.parameters = query.map(([name, f]) => ({ name, in: "query", required: !f.optional, schema: f.schema }));
  }
  for (const [path, item] of Object.entries(paths)) {
    const methods = Object.keys(item).filter((k) => k !== "parameters");
    needs(!item.parameters || methods.length === 1, `${path} has query parameters and ${methods.length} operations; a route that reads a query string needs its path to itself`);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "keyward",
      version: info.version,
      description: "Customer-managed keys for a multi-tenant data platform: enterprise policies, environments, key operations, " +
        "and the environments' data. Every error is {\"error\": {\"code\", \"message\", \"target\"}}. Every name resolves inside the " +
        "caller's Entra tenant (the token's tid): another tenant's resource answers exactly as a missing one, and no list shows it.",
    },
    servers: [{ url: "/api" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A token of the configured OpenID issuer; its roles claim holds the app roles." } },
      schemas: { Error: ERROR_SCHEMA },
    },
    paths,
  };
}
