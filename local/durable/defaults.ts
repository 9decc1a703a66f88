// The real platform's defaults for what the durable host enforces, where host.json says nothing.
// Sources: Durable Task extension 2.x AzureStorageDurabilityProviderFactory (concurrency, outside
// the Consumption plan), DurableTask.AzureStorage settings (control queue batch), the Functions
// host (functionTimeout outside Consumption, the grace period before a worker restart).
import os from "node:os";

/** maxConcurrentActivityFunctions / maxConcurrentOrchestratorFunctions: 10 x the processor count. */
export function defaultConcurrency(): number {
  return 10 * os.availableParallelism();
}

/** Messages of one instance handled in one episode: a control-queue batch (Azure Queues allow at most 32). */
export const DEFAULT_CONTROL_QUEUE_BATCH_SIZE = 32;
export const MAX_CONTROL_QUEUE_BATCH_SIZE = 32;

/** functionTimeout when host.json has none, on a Premium or Dedicated plan. */
export const DEFAULT_FUNCTION_TIMEOUT_MS = 30 * 60 * 1000;

/** How long the Functions host waits for a timed-out invocation before it restarts the worker (TimeoutAttribute.GracePeriod). */
export const DEFAULT_TIMEOUT_GRACE_PERIOD_MS = 2000;
