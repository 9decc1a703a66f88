// The OpenAPI 3.1 document of the HTTP API, generated from routeCatalog (every registerRoute
// spec), so it lists exactly the routes the app serves: the test compares it with the functions
// the runtime registered. Route templates become OpenAPI paths ({*path} -> {path}, constraints
// dropped); roles become the bearer requirement plus x-keyward-roles; the body kind becomes the
// request body; every operation shares the one error shape.
import type { RouteSpec } from "./route";

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

function operation(spec: RouteSpec): Json {
  const secured = spec.roles.length > 0;
  const responses: Json = {
    "2XX": { description: "Success.", content: spec.method === "GET" && spec.route.includes("{*") ? { "application/octet-stream": { schema: { type: "string", contentMediaType: "application/octet-stream" } } } : { "application/json": { schema: { type: "object" } } } },
    "400": errorResponse("Bad input; the code and target say what."),
    ...(secured ? { "401": errorResponse("No token, or a token that does not verify."), "403": errorResponse(`The caller lacks the role (${spec.roles.join(" or ")}) or the policy's Reader.`) } : {}),
    "404": errorResponse("Not found."),
    ...(spec.roles.includes("Environment.User" as never)
      ? { "423": errorResponse("EnvironmentLocked: the environment's key cannot be reached."), "503": errorResponse("EnvironmentUnavailable: the environment is in an encryption downtime (Retry-After).") }
      : {}),
    default: errorResponse("Any other error, in the same shape."),
  };
  const body = spec.body === "json"
    ? { required: true, content: { "application/json": { schema: { type: "object" } } } }
    : spec.body === "binary"
      ? { required: true, content: { "application/octet-stream": { schema: { type: "string", contentMediaType: "application/octet-stream" } } } }
      : undefined;
  return {
    operationId: spec.name,
    summary: spec.summary,
    tags: [spec.route.split("/")[0]],
    parameters: routeParameters(spec.route).map((p) => ({
      name: p.name, in: "path", required: true, schema: { type: "string" },
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
    // Precondition: one function per route and method (the host would route only one of them).
    if (item[method]) throw new Error(`Two routes answer ${spec.method} ${path}: ${(item[method] as Json).operationId} and ${spec.name}`);
    item[method] = operation(spec);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "keyward",
      version: info.version,
      description: "Customer-managed keys for a multi-tenant data platform: enterprise policies, environments, key operations, " +
        "and the environments' data. Every error is {\"error\": {\"code\", \"message\", \"target\"}}.",
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
