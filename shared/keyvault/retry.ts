// The one place keyward retries a vault call. The SDK's own retries are switched off
// (transport.ts) so that every call is retried exactly here: bounded, exponential backoff with
// jitter, Transient errors only, Retry-After honoured. A throttled (429) call that runs out of
// attempts stays Transient: throttling never locks an environment.
import { needs } from "../errors";
import { classifyKeyVaultError, type ClassifyContext, type KeyAccessError } from "./classify";

export interface VaultRetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Backoff before retry n (1-based) is about baseDelayMs * 2^(n-1), capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The longest Retry-After we wait for. A longer one ends the retries at once: waiting less
   * than the vault asked would not honour it, waiting longer would hold the caller too long. The
   * error keeps retryAfterMs so a durable caller can schedule its own retry. */
  maxRetryAfterMs: number;
  /** No retry starts that would end later than this after the first attempt began. */
  maxElapsedMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** In [0, 1). */
  random: () => number;
  /** Called before each wait (for logs and tests). */
  onRetry?: (info: { attempt: number; delayMs: number; error: KeyAccessError }) => void;
}

export const DEFAULT_RETRY_POLICY: VaultRetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  maxRetryAfterMs: 10_000,
  maxElapsedMs: 20_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
  random: Math.random,
};

/** Backoff before retry `attempt` (1-based): "equal jitter", half fixed and half random, so
 * retries spread out but never collapse to zero. */
export function backoffMs(attempt: number, policy: Pick<VaultRetryPolicy, "baseDelayMs" | "maxDelayMs" | "random">): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + policy.random() * (ceiling / 2));
}

/**
 * Runs `operation`, retrying Transient failures. Every failure leaves as a classified
 * KeyAccessError (AccessLost and Misconfigured at once, Transient after the last attempt).
 */
export async function withKeyVaultRetry<T>(
  operation: (attempt: number) => Promise<T>,
  context: ClassifyContext,
  overrides: Partial<VaultRetryPolicy> = {},
): Promise<T> {
  const policy: VaultRetryPolicy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  needs(Number.isInteger(policy.maxAttempts) && policy.maxAttempts >= 1, "retry policy: maxAttempts must be a whole number >= 1; with none the operation never runs and there is no failure to classify");
  const started = policy.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (err) {
      const error = classifyKeyVaultError(err, context);
      if (error.kind !== "Transient" || attempt >= policy.maxAttempts) throw error;
      let delayMs: number;
      if (error.retryAfterMs !== undefined) {
        if (error.retryAfterMs > policy.maxRetryAfterMs) throw error;
        // Honour it: never earlier than asked; a little jitter on top so a crowd does not return
        // in the same millisecond.
        delayMs = error.retryAfterMs + Math.round(policy.random() * Math.min(250, error.retryAfterMs * 0.1));
      } else {
        delayMs = backoffMs(attempt, policy);
      }
      if (policy.now() - started + delayMs > policy.maxElapsedMs) throw error;
      policy.onRetry?.({ attempt, delayMs, error });
      await policy.sleep(delayMs);
    }
  }
}
