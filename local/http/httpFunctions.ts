// Finds the app.http function for a request and invokes it like the worker does: an HttpRequest
// built from the raw bytes (so binary bodies survive), route parameters, the durable client
// binding filled in, and the returned HttpResponse (or response init object) turned into bytes.
import { HttpRequest, HttpResponse, type Cookie, type HttpResponseInit } from "@azure/functions";
import { functionsByTrigger, type RegisteredFunction } from "../functionsCore";
import { createInvocationContext, type InvocationEnvironment } from "../invocation";
import { compareSpecificity, compileRoute, matchRoute, pathSegments, type RouteParams, type RouteTemplate } from "./routeTemplate";

export interface HttpRoute {
  fn: RegisteredFunction;
  route: RouteTemplate;
  /** Upper-case methods, or undefined for all. */
  methods?: string[];
}

export interface RouteMatch {
  fn: RegisteredFunction;
  params: RouteParams;
}

export interface IncomingCall {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
}

export interface OutgoingResponse {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
}

/** The routes of every registered HTTP function, most specific first. */
export function httpRoutes(): HttpRoute[] {
  return functionsByTrigger("httpTrigger")
    .map((fn): HttpRoute => {
      const route = typeof fn.trigger.route === "string" && fn.trigger.route !== "" ? fn.trigger.route : fn.name;
      const methods = Array.isArray(fn.trigger.methods) ? fn.trigger.methods.map((m) => String(m).toUpperCase()) : undefined;
      return { fn, route: compileRoute(route), methods };
    })
    .sort((a, b) => compareSpecificity(a.route, b.route));
}

/** The function for METHOD + path (below /api), or why there is none. */
export function findRoute(routes: readonly HttpRoute[], method: string, path: string): RouteMatch | "notFound" | "methodNotAllowed" {
  const segments = pathSegments(path);
  let pathMatched = false;
  for (const r of routes) {
    const params = matchRoute(r.route, segments);
    if (!params) continue;
    pathMatched = true;
    if (r.methods && !r.methods.includes(method.toUpperCase())) continue;
    return { fn: r.fn, params };
  }
  return pathMatched ? "methodNotAllowed" : "notFound";
}

function isHttpResponseLike(value: unknown): value is HttpResponse {
  // Duck-typed: an HttpResponse from another copy of @azure/functions is not `instanceof` ours.
  return typeof value === "object" && value !== null && "arrayBuffer" in value && "headers" in value && "status" in value && "cookies" in value;
}

function serializeCookie(c: Cookie): string {
  const parts = [`${c.name}=${c.value}`];
  if (c.domain) parts.push(`Domain=${c.domain}`);
  if (c.path) parts.push(`Path=${c.path}`);
  if (c.expires !== undefined) parts.push(`Expires=${new Date(c.expires).toUTCString()}`);
  if (c.maxAge !== undefined) parts.push(`Max-Age=${c.maxAge}`);
  if (c.secure) parts.push("Secure");
  if (c.httpOnly) parts.push("HttpOnly");
  if (c.sameSite) parts.push(`SameSite=${c.sameSite}`);
  return parts.join("; ");
}

export async function invokeHttpFunction(match: RouteMatch, call: IncomingCall, env: InvocationEnvironment): Promise<OutgoingResponse> {
  const context = createInvocationContext(match.fn, env);
  const request = new HttpRequest({
    method: call.method,
    url: call.url.href,
    headers: call.headers,
    params: match.params,
    // No `query`: HttpRequest then reads it from the URL, keeping repeated keys.
    body: { bytes: call.body },
  });
  const result = await match.fn.callback(request, context);
  if (result === undefined || result === null) return { status: 204, headers: [], body: Buffer.alloc(0) };
  if (typeof result !== "object") throw new Error(`HTTP function '${match.fn.name}' returned a ${typeof result}; return an HttpResponse or a response init object`);
  const response = isHttpResponseLike(result) ? result : new HttpResponse(result as HttpResponseInit);
  const headers: Array<[string, string]> = [];
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers.push([name, value]);
  });
  for (const cookie of response.headers.getSetCookie()) headers.push(["set-cookie", cookie]);
  for (const cookie of response.cookies) headers.push(["set-cookie", serializeCookie(cookie)]);
  return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) };
}
