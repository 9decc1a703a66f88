// callActivityWithRetry / callSubOrchestratorWithRetry. The orchestration side (durable-functions'
// RetryableTask) decides when an attempt failed, opens a back-off timer task after EVERY failed
// attempt including the last one, and a new attempt when the timer fires while attempts remain
// (the host reads those tasks from the executor, see openTasks.ts). What the extension's
// RetryInterceptor owns, and the host computes here, is when that timer fires.
// retryTimeoutInMilliseconds is not applied: with the real extension it stops the timers, which
// leaves a JS orchestrator waiting forever, so no app can rely on it.
import type { RetryPolicy } from "./wire";

/** Back-off before the attempt after `failedAttempt` (1-based), as RetryInterceptor computes it. */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number): number {
  const coefficient = policy.backoffCoefficient && policy.backoffCoefficient > 0 ? policy.backoffCoefficient : 1;
  const delay = policy.firstRetryIntervalInMilliseconds * Math.pow(coefficient, failedAttempt - 1);
  const cap = policy.maxRetryIntervalInMilliseconds && policy.maxRetryIntervalInMilliseconds > 0 ? policy.maxRetryIntervalInMilliseconds : Infinity;
  return Math.min(delay, cap);
}
