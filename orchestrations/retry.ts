// What the orchestrations share about failures: the activity retry options from the operation's
// retry policy, and the one line of an activity's failure worth showing an admin.
import * as df from "durable-functions";
import type { ActivityRetryPolicy } from "../shared/operations/contracts";

export function retryOptions(policy: ActivityRetryPolicy): df.RetryOptions {
  const options = new df.RetryOptions(policy.firstRetryIntervalMs, policy.maxAttempts);
  options.backoffCoefficient = policy.backoffCoefficient;
  options.maxRetryIntervalInMilliseconds = policy.maxRetryIntervalMs;
  return options;
}

/** Durable Functions prefixes an activity's failure with a long preamble; keep the first line. */
export function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split(/\r?\n/)[0].trim().slice(0, 500);
}
