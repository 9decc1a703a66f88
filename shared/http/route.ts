// Registers an HTTP function with everything every route needs, in one place: authentication,
// role checks, separation of duty, the route's declared inputs checked (path, query, body), error
// mapping by kind, a request id, and an audit record for admin calls. Each route file declares its
// spec (route, roles, fields, responses, help text) beside its handler, in the manner of Vault's
// path_*.go files; the catalog of specs feeds the OpenAPI document and the CLI's help.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { DurableClient } from "durable-functions";
import { isKeywardError } from "../errors";
import { authenticate, authorize } from "./auth";
import { errorResponse, internalError } from "./responses";
import { isStorageUnavailable, storageUnavailable } from "../storage/unavailable";
import { isKeyAccessError } from "../keyvault/classify";
import { keyErrorFor } from "../keys/keyErrors";
import { readBytes, readJsonObject, MAX_JSON_BYTES } from "./body";
import type { Field, JsonSchema } from "./fields";
import type { Role } from "../domain/roles";
import type { VerifiedCaller } from "../auth/tokenVerifier";
import type { AppServices } from "../appServices";
import type { TenantState } from "../state/stateStore";
import { services } from "../services";
import { trackRequest } from "../telemetry";

export type HttpMethod = "GET" | "PUT" | "POST" | "DELETE";

type Fields = Record<string, Field<unknown>>;
type ParsedOf<F> = { [K in keyof F]: F[K] extends Field<infer T> ? T : never };

/** What a route takes as its body. */
export type BodySpec =
  /** A JSON object, checked field by field. */
  | { kind: "json"; field: Field<unknown> }
  /** Bytes, handed to the handler as they are (files; a record's JSON value). */
  | { kind: "bytes"; contentType: "application/octet-stream" | "application/json"; maxBytes: number; description: string };

export interface ResponseSpec {
  description: string;
  /** Absent for empty bodies (204) and binary ones. */
  schema?: JsonSchema;
  binary?: boolean;
}

export interface RouteSpec<P extends Fields = Fields, Q extends Fields = Fields, B extends BodySpec | undefined = BodySpec | undefined> {
  /** The function name: unique, camelCase. */
  name: string;
  method: HttpMethod;
  /** The route under /api, with {params} as the Functions host writes them. */
  route: string;
  /** Roles allowed to call it; empty means anonymous (health, the OpenAPI document). */
  roles: readonly Role[];
  /** One line for the API document and the CLI's help. */
  summary: string;
  /** Whether the call is written to the audit log (every admin call is). */
  audit: boolean;
  /** Whether the handler starts or queries orchestrations. */
  durableClient?: boolean;
  /** Whether the caller must also be a Reader of the policy (403 PolicyReaderRequired otherwise): the API document says so. */
  readerRequired?: boolean;
  /** Every path parameter, with its rule. */
  params?: P;
  /** Every query parameter the route reads. */
  query?: Q;
  body?: B;
  /** The success responses, by status. */
  responses: Record<number, ResponseSpec>;
}

export interface RouteContext<P = Record<string, unknown>, Q = Record<string, unknown>, B = unknown> {
  request: HttpRequest;
  invocation: InvocationContext;
  /** The anonymous caller on anonymous routes. */
  caller: VerifiedCaller;
  /**
   * The caller's tenant: every name the route resolves, it resolves here, so another tenant's
   * resource is not found, exactly as a missing one. (Anonymous routes have none.)
   */
  tenant: TenantState;
  requestId: string;
  params: P;
  query: Q;
  /** The checked JSON body, or the raw bytes for a bytes body. */
  body: B;
  services: AppServices;
  durable(): DurableClient;
}

type BodyOf<B> = B extends { kind: "json"; field: Field<infer T> } ? T : B extends { kind: "bytes" } ? Buffer : undefined;

export type RouteHandler<P, Q, B> = (ctx: RouteContext<P, Q, B>) => Promise<HttpResponseInit>;

export const routeCatalog: RouteSpec[] = [];

const ANONYMOUS: VerifiedCaller = { oid: "anonymous", roles: [], tenantId: "", claims: {} };

/** Where a call without a verified principal came from, as the platform's front end reports it. */
function sourceOf(request: HttpRequest): string {
  return request.headers.get("x-forwarded-for")?.split(",")[0].trim() || "unknown";
}

/**
 * Refusals worth an audit row on routes that are not audited otherwise (the data API): a 403, and
 * a 404 for a resource name the caller's tenant does not hold (which is also how another tenant's
 * resource answers). A record or file that is simply not there is not a refusal.
 */
function isRefusal(status: number, code: string | undefined): boolean {
  return status === 403 || (status === 404 && code !== "RecordNotFound" && code !== "FileNotFound");
}
/**
 * host.json's routePrefix is "" so that the console's static files can answer at `/`; every API
 * route therefore carries the "api/" the Functions host used to add. spec.route stays the route
 * under /api (the API document and the audit's targets name it so).
 */
export const API_ROUTE_PREFIX = "api/";


function targetOf(spec: RouteSpec, request: HttpRequest): string {
  // The route with its parameters filled in: names the caller chose, never bodies.
  return spec.route.replace(/\{\*?(\w+)(?::[^}]*)?\??\}/g, (_, p: string) => request.params[p] ?? "");
}

function parseAll(fields: Fields | undefined, read: (name: string) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields ?? {})) {
    const v = read(name);
    out[name] = field.optional && (v === undefined || v === null) ? field.parse(undefined, name) : field.parse(v, name);
  }
  return out;
}

async function readBody(spec: BodySpec | undefined, request: HttpRequest): Promise<unknown> {
  if (!spec) return undefined;
  if (spec.kind === "bytes") return readBytes(request, spec.maxBytes);
  return spec.field.parse(await readJsonObject(request, MAX_JSON_BYTES), "");
}

/** Anonymous routes have no tenant: using one is a bug in the route, never the caller's doing. */
function noTenant(): TenantState {
  return new Proxy({} as TenantState, { get: () => { throw new Error("An anonymous route has no tenant"); } });
}

export function registerRoute<P extends Fields = Record<never, never>, Q extends Fields = Record<never, never>, B extends BodySpec | undefined = undefined>(
  spec: RouteSpec<P, Q, B>,
  handler: RouteHandler<ParsedOf<P>, ParsedOf<Q>, BodyOf<B>>,
): void {
  routeCatalog.push(spec as unknown as RouteSpec);
  app.http(spec.name, {
    methods: [spec.method],
    route: API_ROUTE_PREFIX + spec.route,
    authLevel: "anonymous", // keyward verifies the bearer token itself, on every route
    extraInputs: spec.durableClient ? [df.input.durableClient()] : [],
    handler: async (request: HttpRequest, invocation: InvocationContext): Promise<HttpResponseInit> => {
      const requestId = invocation.invocationId;
      const startedAt = performance.now();
      const svc = services();
      let caller: VerifiedCaller = ANONYMOUS;
      let response: HttpResponseInit;
      let errorCode: string | undefined;
      try {
        if (spec.roles.length > 0) {
          caller = await authenticate(request, svc.verifyToken);
          authorize(caller, spec.roles, svc.settings.allowDualAdmin);
        }
        const params = parseAll(spec.params, (name) => request.params[name]) as ParsedOf<P>;
        const query = parseAll(spec.query, (name) => request.query.get(name) ?? undefined) as ParsedOf<Q>;
        const body = (await readBody(spec.body, request)) as BodyOf<B>;
        const tenant = caller === ANONYMOUS ? noTenant() : svc.state.forTenant(caller.tenantId);
        response = await handler({ request, invocation, caller, tenant, requestId, params, query, body, services: svc, durable: () => df.getClient(invocation) });
        response = { ...response, headers: { ...(response.headers as Record<string, string> | undefined), "x-ms-request-id": requestId } };
      } catch (err) {
        if (isKeywardError(err)) {
          errorCode = err.code;
          response = errorResponse(err, requestId);
        } else if (isKeyAccessError(err)) {
          // A handler should translate a vault failure for its own use of the key; one that did
          // not still answers by kind, through the same mapping (keyErrorFor), never 500.
          const mapped = keyErrorFor(err, { use: "request" });
          errorCode = mapped.code;
          invocation.warn(`${spec.name}: a key access error reached the edge untranslated (${err.kind} ${err.vaultCode} in ${err.operation ?? "a key operation"})`);
          response = errorResponse(mapped, requestId);
        } else if (isStorageUnavailable(err)) {
          const refusal = storageUnavailable();
          errorCode = refusal.code;
          invocation.warn(`${spec.name}: storage unavailable: ${err instanceof Error ? err.message : String(err)}`);
          response = errorResponse(refusal, requestId);
        } else {
          errorCode = "InternalError";
          invocation.error(`${spec.name} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
          response = internalError(requestId);
        }
      }
      trackRequest({ id: requestId, method: spec.method, route: spec.route, durationMs: performance.now() - startedAt, status: response.status ?? 200,
        properties: { function: spec.name, ...(errorCode ? { errorCode } : {}) } });
      const status = response.status ?? 200;
      if (caller === ANONYMOUS) {
        // No verified principal: counted per source, apart from every tenant.
        if (status === 401) await svc.audit.countUnauthenticated(sourceOf(request), errorCode ?? "Unauthorized").catch((err: unknown) => invocation.error(`audit count failed for ${requestId}: ${String(err)}`));
      } else if (spec.audit || isRefusal(status, errorCode)) {
        await svc.state.forTenant(caller.tenantId).recordAudit({
          requestId, at: new Date().toISOString(), callerOid: caller.oid, callerRoles: caller.roles, operation: spec.name,
          method: spec.method, target: targetOf(spec as unknown as RouteSpec, request), status, result: status < 400 ? "Succeeded" : "Failed",
          ...(errorCode ? { errorCode } : {}),
        }).catch((err: unknown) => invocation.error(`audit write failed for ${requestId}: ${String(err)}`));
      }
      return response;
    },
  });
}
