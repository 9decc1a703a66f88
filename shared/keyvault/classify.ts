// The ONE classification of everything that can go wrong talking to a customer's vault. Every
// key operation in keyward goes through it (via retry.ts), so "what locks an environment", "what
// is retried" and "what is our own mistake" are decided in exactly one place:
//
//   AccessLost    the customer (or time) took the key away: lock the environment, drop its DEKs.
//   Transient     the vault or the network is having a moment: retry with backoff, never lock.
//   Misconfigured the key or our setup is wrong: refuse clearly, neither retry nor lock.
//
// A KeyAccessError carries only the vault's code and message, the HTTP status and ids. It never
// keeps the original error: a RestError's request holds the wrapKey body, i.e. the DEK.
import { needs } from "../errors";
import { isVaultHost } from "./vaultResource";

export type KeyAccessErrorKind = "AccessLost" | "Transient" | "Misconfigured";

export interface ClassifyContext {
  /** What we were doing: "wrapKey", "unwrapKey", "getKey", ... */
  operation?: string;
  /** The key id involved (versioned when known). */
  keyId?: string;
  /** The vault URL involved, when there is no key id. */
  vaultUrl?: string;
}

export class KeyAccessError extends Error {
  override readonly name = "KeyAccessError";
  constructor(
    readonly kind: KeyAccessErrorKind,
    /** The vault's innermost error code (ForbiddenByRbac, KeyDisabled, Throttled...), or the
     * network error code (ENOTFOUND, ECONNRESET...), or our own (KeyExpired for the SDK's
     * client-side check, Timeout...). */
    readonly vaultCode: string,
    message: string,
    readonly details: { statusCode?: number; retryAfterMs?: number; keyId?: string; operation?: string } = {},
  ) {
    super(message);
  }
  get statusCode(): number | undefined { return this.details.statusCode; }
  get retryAfterMs(): number | undefined { return this.details.retryAfterMs; }
  get keyId(): string | undefined { return this.details.keyId; }
  get operation(): string | undefined { return this.details.operation; }

  toJSON(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, vaultCode: this.vaultCode, message: this.message, ...this.details };
  }
}

export function isKeyAccessError(err: unknown): err is KeyAccessError {
  return err instanceof KeyAccessError;
}

// Vault codes that mean "the key is gone for us" whatever status carries them.
const ACCESS_LOST_CODES = new Set([
  "ForbiddenByRbac", "ForbiddenByPolicy", "ForbiddenByFirewall", "AccessDenied", "Forbidden",
  "KeyDisabled", "KeyExpired", "KeyNotYetValid", "KeyOperationForbidden",
  "KeyNotFound", "VaultNotFound", "NotFound", "ObjectIsDeletedButRecoverable", "KeyDeleted",
]);

// Node / undici network error codes that a retry can cure.
const TRANSIENT_NETWORK_CODES = new Set([
  "ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "ETIMEDOUT", "ESOCKETTIMEDOUT", "EPIPE", "EAI_AGAIN",
  "ENETUNREACH", "ENETDOWN", "EHOSTUNREACH", "EHOSTDOWN", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ERR_SOCKET_CONNECTION_TIMEOUT", "ERR_STREAM_PREMATURE_CLOSE",
  "REQUEST_SEND_ERROR", "PARSE_ERROR",
]);

// TLS failures: our trust configuration is wrong (or someone is in the middle); not retryable.
const TLS_CODES = new Set([
  "CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "ERR_TLS_CERT_ALTNAME_INVALID", "CERT_UNTRUSTED", "CERT_NOT_YET_VALID",
]);

// Plain Errors the SDK throws without asking the vault. They mirror vault answers, so they are
// classified as the vault's answer would be: one condition, one class, whether or not the
// CryptographyClient happened to have the key cached.
const SDK_MESSAGES: Array<[RegExp, KeyAccessErrorKind, string]> = [
  [/^Key \S+ expired at /, "AccessLost", "KeyExpired"],
  [/^Key \S+ can't be used before /, "AccessLost", "KeyNotYetValid"],
  [/^Operation \S+ is not supported on key /, "AccessLost", "KeyOperationForbidden"],
  [/challenge resource .* does not match the requested domain/i, "Misconfigured", "ChallengeResourceMismatch"],
  [/is not a valid Key Vault key ID/, "Misconfigured", "InvalidKeyId"],
  [/^Unable to support operation/, "Misconfigured", "UnsupportedOperation"],
  [/while allowInsecureConnection is false/, "Misconfigured", "InsecureVaultUrl"],
];

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  statusCode?: unknown;
  status?: unknown;
  cause?: unknown;
  details?: unknown;
  hostname?: unknown;
  request?: { url?: unknown };
  response?: { headers?: { get?: (name: string) => string | undefined | null }; bodyAsText?: unknown };
}

function asErrorLike(err: unknown): ErrorLike {
  return typeof err === "object" && err !== null ? (err as ErrorLike) : { message: String(err) };
}

/** The innermost `code` of a Key Vault error body ({error: {code, message, innererror|innerError}}). */
function vaultErrorBody(e: ErrorLike): { code?: string; message?: string } {
  let body: unknown = e.details;
  if (!body && typeof e.response?.bodyAsText === "string") {
    try { body = JSON.parse(e.response.bodyAsText); } catch { body = undefined; }
  }
  let node = (body as { error?: unknown } | undefined)?.error as Record<string, unknown> | undefined;
  let code: string | undefined;
  let message: string | undefined;
  for (let depth = 0; node && typeof node === "object" && depth < 5; depth++) {
    if (typeof node.code === "string") code = node.code;
    if (typeof node.message === "string" && !message) message = node.message;
    node = (node.innererror ?? node.innerError) as Record<string, unknown> | undefined;
  }
  return { code, message };
}

/** Retry-After (seconds or HTTP date) or retry-after-ms / x-ms-retry-after-ms, in ms. */
export function retryAfterMsFrom(headers: { get?: (name: string) => string | undefined | null } | undefined, now = Date.now()): number | undefined {
  const get = (h: string) => headers?.get?.(h) ?? undefined;
  for (const h of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const v = get(h);
    if (v !== undefined && /^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v));
  }
  const ra = get("retry-after");
  if (ra === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Math.round(Number(ra) * 1000);
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function hostOf(url: unknown): string | undefined {
  if (typeof url !== "string") return undefined;
  try { return new URL(url).hostname; } catch { return undefined; }
}

function networkCode(e: ErrorLike): string | undefined {
  if (typeof e.code === "string" && (TRANSIENT_NETWORK_CODES.has(e.code) || TLS_CODES.has(e.code) || e.code === "ENOTFOUND")) return e.code;
  // fetch() wraps the socket error as TypeError("fetch failed", {cause}).
  const cause = e.cause as ErrorLike | undefined;
  if (cause && typeof cause === "object" && typeof cause.code === "string") return networkCode(cause) ?? undefined;
  if (typeof e.message === "string" && /socket hang up/i.test(e.message)) return "ECONNRESET";
  return undefined;
}

function kindForStatus(status: number, vaultCode: string | undefined): KeyAccessErrorKind {
  if (status === 429 || status === 408 || status >= 500) return "Transient";
  if (status === 403 || status === 404) return "AccessLost";
  if (vaultCode && ACCESS_LOST_CODES.has(vaultCode)) return "AccessLost";
  // 409 on a key operation is either "deleted but recoverable" (handled above) or a concurrent
  // update on the vault's side, which clears by itself.
  if (status === 409) return "Transient";
  // 400 BadParameter (e.g. a ciphertext the key cannot unwrap), 401 (our token is not accepted:
  // tenant or audience wrong), anything else: not the customer revoking, not worth retrying.
  return "Misconfigured";
}

/**
 * Classifies any error thrown while using a vault into a KeyAccessError. A KeyAccessError passes
 * through unchanged. The result never holds the original error or request (checked in `make`).
 */
export function classifyKeyVaultError(err: unknown, context: ClassifyContext = {}): KeyAccessError {
  if (err instanceof KeyAccessError) return err;
  const e = asErrorLike(err);
  const message = typeof e.message === "string" ? e.message : String(err);
  const where = [context.operation, context.keyId ?? context.vaultUrl].filter(Boolean).join(" on ");
  const make = (kind: KeyAccessErrorKind, code: string, text: string, extra: { statusCode?: number; retryAfterMs?: number } = {}) => {
    const classified = new KeyAccessError(kind, code, where ? `${where}: ${text}` : text, { ...extra, keyId: context.keyId, operation: context.operation });
    needs(classified.cause === undefined && Object.values(classified.details).every((v) => v === undefined || typeof v === "string" || typeof v === "number"),
      "a classified vault error keeps codes, text and ids only, never the original error or request: a RestError's request holds the wrapKey body, the DEK");
    return classified;
  };

  // 1. Token acquisition (@azure/identity, or our local credential). First, because these carry
  // a statusCode too, and the identity endpoint's 403 is not the customer revoking the key.
  if (e.name === "CredentialUnavailableError") return make("Misconfigured", "CredentialUnavailable", message);
  if (e.name === "AuthenticationError" || e.name === "LocalTokenError") {
    const net = networkCode(e);
    if (net && !TLS_CODES.has(net)) return make("Transient", net, message);
    const s = typeof e.statusCode === "number" ? e.statusCode : typeof e.status === "number" ? e.status : undefined;
    const transient = s !== undefined && (s === 429 || s === 408 || s >= 500);
    return make(transient ? "Transient" : "Misconfigured", typeof e.code === "string" ? e.code : "AuthenticationFailed", message, { statusCode: s });
  }

  // 2. An HTTP answer from the vault (RestError: statusCode, code, details {error: {...}}).
  const status = typeof e.statusCode === "number" ? e.statusCode : undefined;
  if (status !== undefined && status > 0) {
    const body = vaultErrorBody(e);
    const code = body.code ?? (typeof e.code === "string" ? e.code : undefined) ?? `Http${status}`;
    const kind = kindForStatus(status, code);
    const retryAfterMs = kind === "Transient" ? retryAfterMsFrom(e.response?.headers) : undefined;
    return make(kind, code, body.message ?? message, { statusCode: status, retryAfterMs });
  }

  // 3. The request timed out (core-rest-pipeline aborts it) or was aborted.
  if (e.name === "AbortError" || e.name === "TimeoutError") return make("Transient", "Timeout", message);

  // 4. Network: DNS, sockets, TLS.
  const net = networkCode(e);
  if (net === "ENOTFOUND") {
    // A vault host that does not resolve is a deleted vault (Azure removes its DNS name).
    // Any other host (the token endpoint, IMDS) is infrastructure, worth a retry.
    const host = (typeof e.hostname === "string" ? e.hostname : undefined) ?? hostOf(e.request?.url) ?? hostOf(context.keyId) ?? hostOf(context.vaultUrl);
    return make(host && isVaultHost(host) ? "AccessLost" : "Transient", "ENOTFOUND", message);
  }
  if (net && TLS_CODES.has(net)) return make("Misconfigured", net, message);
  if (net) return make("Transient", net, message);

  // 5. The SDK's own client-side checks.
  for (const [pattern, kind, code] of SDK_MESSAGES) {
    if (pattern.test(message)) return make(kind, code, message);
  }

  // 6. Anything else is a bug or a surprise: do not retry it, do not lock anyone out over it.
  return make("Misconfigured", typeof e.code === "string" ? e.code : "Unexpected", message);
}
