// keyward's errors, typed by kind. Code below shared/http/ raises a KeywardError of the kind that
// says what went wrong; the edges decide what a kind means to their caller, each in one table:
//   - HTTP (shared/http/errorResponse.ts): the status below, the code, the message, Retry-After;
//   - activities (shared/operations/activityOutcome.ts): retry (throw, Durable Functions retries)
//     or a terminal outcome value (the orchestration decides, nothing is retried).
// Anything that is not a KeywardError is unexpected: HTTP answers 500 with no details, an
// activity throws it and is retried.

export type ErrorKind =
  /** Bad input: the caller must change the request. */
  | "invalid"
  /** The body is larger than the limit. */
  | "tooLarge"
  /** No token, or one that does not verify. */
  | "unauthenticated"
  /** The caller may not do this (role, Reader, membership, separation of duty, licence). */
  | "refused"
  | "notFound"
  /** The request conflicts with the resource's state (a rule, an operation running): retrying as is will not help. */
  | "conflict"
  /** A concurrent change won an optimistic write too often: retrying will help. */
  | "contention"
  /** The environment is locked: its key cannot be reached. */
  | "locked"
  /** A key the work needs is gone for keyward (revoked, disabled, deleted, expired). */
  | "keyLost"
  /** A vault (or the token issuer) did not answer: retrying will help. */
  | "keyTransient"
  /** Something keyward depends on is down or busy, or the resource is in a downtime: retry later. */
  | "unavailable"
  /** Stored ciphertext failed its check: nothing of it is returned. */
  | "integrity";

/** What each kind means to an HTTP caller (status) and to an activity (retry or terminal). */
export const ERROR_KINDS: Record<ErrorKind, { status: number; retry: boolean }> = {
  invalid: { status: 400, retry: false },
  tooLarge: { status: 413, retry: false },
  unauthenticated: { status: 401, retry: false },
  refused: { status: 403, retry: false },
  notFound: { status: 404, retry: false },
  conflict: { status: 409, retry: false },
  contention: { status: 409, retry: true },
  locked: { status: 423, retry: false },
  keyLost: { status: 503, retry: false },
  keyTransient: { status: 503, retry: true },
  unavailable: { status: 503, retry: true },
  integrity: { status: 500, retry: false },
};

export interface KeywardErrorOptions {
  /** The field or path parameter the error is about. */
  target?: string;
  /** When a retry may succeed (sent as Retry-After on HTTP). */
  retryAfterSeconds?: number;
  /**
   * For keyward's engineers only, never in a response or an operation's error: the internal
   * identifiers that explain the failure (which DEK, which row). Client-visible text is `message`.
   */
  detail?: string;
}

export class KeywardError extends Error {
  override name = "KeywardError";
  readonly target?: string;
  readonly retryAfterSeconds?: number;
  readonly detail?: string;

  constructor(readonly kind: ErrorKind, readonly code: string, message: string, options: KeywardErrorOptions = {}) {
    super(message);
    this.target = options.target;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.detail = options.detail;
  }

  /** The HTTP status of this error's kind (ERROR_KINDS). */
  get status(): number {
    return ERROR_KINDS[this.kind].status;
  }

  /** Whether an activity that meets this error should be retried. */
  get retryable(): boolean {
    return ERROR_KINDS[this.kind].retry;
  }

  toBody(): { error: { code: string; message: string; target?: string } } {
    return { error: { code: this.code, message: withoutInternalIds(this.message), ...(this.target ? { target: this.target } : {}) } };
  }
}

export function isKeywardError(err: unknown): err is KeywardError {
  return err instanceof KeywardError;
}

const make = (kind: ErrorKind) => (code: string, message: string, target?: string, retryAfterSeconds?: number) =>
  new KeywardError(kind, code, message, { target, retryAfterSeconds });

export const invalid = make("invalid");
export const tooLarge = make("tooLarge");
export const unauthenticated = make("unauthenticated");
export const refused = make("refused");
export const notFound = make("notFound");
export const conflict = make("conflict");
export const contention = make("contention");
export const locked = make("locked");
export const keyLost = make("keyLost");
export const keyTransient = make("keyTransient");
export const unavailable = make("unavailable");
export const integrity = make("integrity");

/**
 * A precondition or postcondition, checked: throws when `condition` is false, with `message` as
 * the reason. For the program's own invariants (a broken one is keyward's bug, never the
 * caller's), in the manner of the AWS Encryption SDK's needs().
 */
export function needs(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/**
 * Client-visible text with keyward's internal identifiers taken out, whatever composed it: DEK
 * ids, data ids (the random names of an environment's storage) and the storage keys of a row or
 * blob (blind indexes). The backstop for every response body and operation error; the messages
 * themselves should not carry them in the first place (KeywardErrorOptions.detail does).
 */
export function withoutInternalIds(text: string): string {
  return text
    .replace(/\bDEKs? [A-Za-z0-9_-]{8,64}\b/g, "a data key")
    .replace(/\bd[0-9a-f]{32}\b/g, "its storage")
    .replace(/\b(Record row|File blob|blob|row) [^\s,;:]+\/[^\s,;:]+/g, "$1");
}
