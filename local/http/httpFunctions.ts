// Finds the app.http function for a request and invokes it like the worker does: an HttpRequest
// built from the raw bytes (so binary bodies survive), route parameters, the durable client
// binding filled in, and the returned HttpResponse (or response init object) turned into bytes.
import { Readable } from "node:stream";
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
  /** The whole body, or (HTTP streaming on) the request itself, read by the function as it needs. */
  body: Buffer | Readable;
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
  const request = Buffer.isBuffer(call.body)
    ? new HttpRequest({
      method: call.method,
      url: call.url.href,
      headers: call.headers,
      params: match.params,
      // No `query`: HttpRequest then reads it from the URL, keeping repeated keys.
      body: { bytes: call.body },
    })
    : streamingRequest(call, call.body, match.params);
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

/** As the library's createStreamRequest builds it under HTTP streaming: the body is the incoming stream itself. */
function streamingRequest(call: IncomingCall, body: Readable, params: Record<string, string>): HttpRequest {
  const method = call.method.toUpperCase();
  const hasBody = method !== "GET" && method !== "HEAD";
  const nativeRequest = new Request(call.url.href, {
    method, headers: call.headers, ...(hasBody ? { body: pulledFrom(body), duplex: "half" } : {}),
  } as RequestInit);
  // The constructor accepts a native request (InternalHttpRequestInit), as createStreamRequest passes one.
  return new HttpRequest({ nativeRequest, params } as unknown as ConstructorParameters<typeof HttpRequest>[0]);
}

/**
 * The request as a web stream that reads it only as the function pulls, and whose cancellation
 * leaves the request alone (Readable.toWeb would destroy it, and its socket with the answer not
 * yet sent): what the function leaves unread, the server discards after answering.
 */
function pulledFrom(req: Readable): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    pull: (controller) => new Promise<void>((resolve, reject) => {
      const attempt = (): void => {
        const chunk = req.read() as Buffer | null;
        if (chunk !== null) { cleanup(); controller.enqueue(new Uint8Array(chunk)); resolve(); return; }
        if (req.readableEnded) { cleanup(); controller.close(); resolve(); }
      };
      const onEnd = (): void => { cleanup(); controller.close(); resolve(); };
      const onError = (err: Error): void => { cleanup(); reject(err); };
      const cleanup = (): void => { req.off("readable", attempt); req.off("end", onEnd); req.off("error", onError); };
      req.on("readable", attempt);
      req.once("end", onEnd);
      req.once("error", onError);
      attempt();
    }),
    cancel: () => undefined,
  }, { highWaterMark: 0 });
}
