// Request body parsing with size limits and precise 400s: bad input never reaches a handler.
import type { HttpRequest } from "@azure/functions";
import { invalid, tooLarge } from "../errors";

export const MAX_JSON_BYTES = 1024 * 1024;

const overLimit = (limit: number, size: string) =>
  tooLarge("RequestBodyTooLarge", `The request body is ${size} bytes; the limit is ${limit}. Send a smaller body.`);

/**
 * The body, read chunk by chunk and refused as soon as it passes `limit`: a chunked body (no
 * Content-Length) is not read to its end first. The rest of it is left unread; the server
 * closes the connection after the 413.
 */
async function readLimited(request: HttpRequest, limit: number): Promise<Buffer> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw overLimit(limit, String(declared));
  const stream = request.body;
  if (!stream) return Buffer.alloc(0);
  const reader = stream.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) throw overLimit(limit, `more than ${limit}`);
      chunks.push(Buffer.from(value));
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks, size);
}

/** The request body as a JSON object. Empty bodies, arrays, scalars and malformed JSON are 400. */
export async function readJsonObject(request: HttpRequest, limit = MAX_JSON_BYTES): Promise<Record<string, unknown>> {
  const bytes = await readLimited(request, limit);
  if (bytes.length === 0) throw invalid("MissingRequestBody", "The request needs a JSON object body.");
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw invalid("InvalidJson", "The request body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid("InvalidRequestBody", "The request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

/** The raw body bytes, for binary uploads. */
export async function readBytes(request: HttpRequest, limit: number): Promise<Buffer> {
  return readLimited(request, limit);
}

// ---- field readers: each names the field it refuses, so the error's target is exact ----

export function requiredString(body: Record<string, unknown>, field: string, target = field): string {
  const v = body[field];
  if (typeof v !== "string" || v.trim() === "") throw invalid("InvalidField", `'${target}' is required and must be a non-empty string.`, target);
  return v;
}

export function optionalString(body: Record<string, unknown>, field: string, target = field): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalid("InvalidField", `'${target}' must be a string.`, target);
  return v;
}

export function optionalBoolean(body: Record<string, unknown>, field: string, target = field): boolean | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw invalid("InvalidField", `'${target}' must be true or false.`, target);
  return v;
}

export function requiredObject(body: Record<string, unknown>, field: string, target = field): Record<string, unknown> {
  const v = body[field];
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw invalid("InvalidField", `'${target}' is required and must be an object.`, target);
  return v as Record<string, unknown>;
}

export function requiredStringArray(body: Record<string, unknown>, field: string, target = field, max = 100): string[] {
  const v = body[field];
  if (!Array.isArray(v) || v.length === 0 || v.length > max || !v.every((x) => typeof x === "string" && x !== "")) {
    throw invalid("InvalidField", `'${target}' must be a list of 1 to ${max} non-empty strings.`, target);
  }
  return v as string[];
}
