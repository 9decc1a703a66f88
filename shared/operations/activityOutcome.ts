// The one mapping of an error to an activity's outcome. Durable Functions retries what an
// activity throws, so only what a retry can cure is thrown: a vault or storage that is slow or
// busy, a write that lost to a concurrent one, anything unexpected. What no retry can cure comes
// back as a value, and the orchestration decides: a lost key (AccessLost: the flow fails fast
// and the probe decides whether to lock; retrying a revoked key five times only delays the lock)
// or a refusal (Refused: a backup gone, a rule broken; the flow fails with its code).
import { isKeywardError } from "../errors";
import { isKeyAccessError } from "../keyvault/classify";
import type { KeyFailure, Refusal, Throttled } from "./contracts";

const firstLine = (message: string) => message.split(/\r?\n/)[0].slice(0, 500);

/** Returns the terminal outcome of `err`, or throws it when a retry may cure it. */
export function terminalOutcomeOf(err: unknown): KeyFailure | Refusal {
  if (isKeyAccessError(err)) {
    if (err.kind === "Transient") throw err;
    return { outcome: "AccessLost", code: err.vaultCode, message: firstLine(err.message) };
  }
  if (isKeywardError(err) && !err.retryable) {
    if (err.kind === "keyLost") return { outcome: "AccessLost", code: err.code, message: firstLine(err.message) };
    return { outcome: "Refused", code: err.code, message: firstLine(err.message) };
  }
  throw err;
}

/**
 * A vault that answered 429 once the call's own short retries ran out, as a value: a flow that
 * fans out over many environments waits on a durable timer (Retry-After when the vault gave one)
 * and tries again, instead of spending the activity's retries and failing. Undefined otherwise.
 */
export function throttledOutcomeOf(err: unknown): Throttled | undefined {
  if (!isKeyAccessError(err) || err.kind !== "Transient" || err.statusCode !== 429) return undefined;
  return { outcome: "Throttled", code: err.vaultCode, message: firstLine(err.message), ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}) };
}
