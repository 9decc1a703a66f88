// Responses: JSON bodies, and the one mapping of an error's kind to an HTTP answer (status from
// ERROR_KINDS, the error body, Retry-After and the bearer challenge).
import type { HttpResponseInit } from "@azure/functions";
import type { KeywardError } from "../errors";

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { "content-type": "application/json; charset=utf-8", ...headers } };
}

export function noContent(headers: Record<string, string> = {}): HttpResponseInit {
  return { status: 204, headers };
}

function headersFor(err: KeywardError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (err.retryAfterSeconds !== undefined) headers["Retry-After"] = String(err.retryAfterSeconds);
  if (err.kind === "unauthenticated") {
    // No token at all gets the bare challenge; a token or header that was refused says so (RFC 6750).
    headers["WWW-Authenticate"] = err.code === "Unauthorized" ? "Bearer" : 'Bearer error="invalid_token"';
  }
  return headers;
}

export function errorResponse(err: KeywardError, requestId: string): HttpResponseInit {
  return json(err.status, err.toBody(), { ...headersFor(err), "x-ms-request-id": requestId });
}

/** Anything keyward does not know by kind: the caller learns only that it failed and the request id. */
export function internalError(requestId: string): HttpResponseInit {
  return json(500, { error: { code: "InternalError", message: `An unexpected error occurred. Quote request id ${requestId} when reporting it.` } },
    { "x-ms-request-id": requestId });
}
