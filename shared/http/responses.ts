import type { HttpResponseInit } from "@azure/functions";
import { ApiError } from "../errors";

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { "content-type": "application/json; charset=utf-8", ...headers } };
}

export function noContent(headers: Record<string, string> = {}): HttpResponseInit {
  return { status: 204, headers };
}

export function errorResponse(err: ApiError, requestId: string): HttpResponseInit {
  return json(err.status, err.toBody(), { ...err.headers, "x-ms-request-id": requestId });
}

/** Anything that is not an ApiError: the caller learns only that it failed and the request id. */
export function internalError(requestId: string): HttpResponseInit {
  return json(500, { error: { code: "InternalError", message: `An unexpected error occurred. Quote request id ${requestId} when reporting it.` } },
    { "x-ms-request-id": requestId });
}
