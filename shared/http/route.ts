// Registers an HTTP function with everything every route needs, in one place: authentication,
// role checks, separation of duty, error mapping, a request id, and an audit record for admin
// calls. Each route file declares its spec (route, roles, help text) beside its handler, in the
// manner of Vault's path_*.go files; the catalog of specs feeds the OpenAPI document.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { DurableClient } from "durable-functions";
import { ApiError } from "../errors";
import { authenticate, authorize } from "./auth";
import { errorResponse, internalError } from "./responses";
import type { Role } from "../domain/roles";
import type { VerifiedCaller } from "../auth/tokenVerifier";
import { services } from "../services";
import { trackRequest } from "../telemetry";

export type HttpMethod = "GET" | "PUT" | "POST" | "DELETE";

export interface RouteSpec {
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
  /** What the body holds, for the API document. */
  body?: "json" | "binary";
}

export interface RouteContext {
  request: HttpRequest;
  invocation: InvocationContext;
  /** Undefined only on anonymous routes. */
  caller: VerifiedCaller;
  requestId: string;
  params: Record<string, string>;
  durable(): DurableClient;
}

export type RouteHandler = (ctx: RouteContext) => Promise<HttpResponseInit>;

export const routeCatalog: RouteSpec[] = [];

/**
 * host.json's routePrefix is "" so that the console's static files can answer at `/`; every API
 * route therefore carries the "api/" the Functions host used to add. spec.route stays the route
 * under /api (the API document and the audit's targets name it so).
 */
export const API_ROUTE_PREFIX = "api/";

const ANONYMOUS: VerifiedCaller = { oid: "anonymous", roles: [], claims: {} };

function targetOf(spec: RouteSpec, request: HttpRequest): string {
  // The route with its parameters filled in: names the caller chose, never bodies.
  return spec.route.replace(/\{\*?(\w+)(?::[^}]*)?\??\}/g, (_, p: string) => request.params[p] ?? "");
}

export function registerRoute(spec: RouteSpec, handler: RouteHandler): void {
  routeCatalog.push(spec);
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
        response = await handler({ request, invocation, caller, requestId, params: request.params, durable: () => df.getClient(invocation) });
        response = { ...response, headers: { ...(response.headers as Record<string, string> | undefined), "x-ms-request-id": requestId } };
      } catch (err) {
        if (err instanceof ApiError) {
          errorCode = err.code;
          response = errorResponse(err, requestId);
        } else {
          errorCode = "InternalError";
          invocation.error(`${spec.name} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
          response = internalError(requestId);
        }
      }
      trackRequest({ id: requestId, method: spec.method, route: spec.route, durationMs: performance.now() - startedAt, status: response.status ?? 200,
        properties: { function: spec.name, ...(errorCode ? { errorCode } : {}) } });
      // Unauthenticated callers are not audited as principals; everything past the token check is.
      if (spec.audit && caller !== ANONYMOUS) {
        const status = response.status ?? 200;
        await svc.audit.record({
          requestId, at: new Date().toISOString(), callerOid: caller.oid, callerRoles: caller.roles, operation: spec.name,
          method: spec.method, target: targetOf(spec, request), status, result: status < 400 ? "Succeeded" : "Failed",
          ...(errorCode ? { errorCode } : {}),
        }).catch((err: unknown) => invocation.error(`audit write failed for ${requestId}: ${String(err)}`));
      }
      return response;
    },
  });
}
