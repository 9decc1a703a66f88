// Small HTTP helpers shared by the keys API and the management API.
import type http from "node:http";
import { VaultError } from "./errors";

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** What a management API handler answers. */
export interface ManagementResult {
  status: number;
  body?: unknown;
}

export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new VaultError(413, "RequestTooLarge", "The request body is too large."));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Parses a JSON object body; an empty body is `{}`. Anything else is a 400. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw new VaultError(400, "BadParameter", "The request body is not valid JSON.");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new VaultError(400, "BadParameter", "The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const data = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { "content-type": "application/json; charset=utf-8" }),
    "content-length": String(Buffer.byteLength(data)),
    "x-ms-keyvault-service-version": "local",
    ...headers,
  });
  res.end(data);
}

export function sendError(res: http.ServerResponse, err: VaultError): void {
  sendJson(res, err.status, err.body(), err.headers);
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
