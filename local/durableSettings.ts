// What the embedded durable host enforces, resolved as the Functions host resolves it: host.json
// (functionTimeout, extensions.durableTask), its app setting references ("%Name%" hub names,
// connection names) read from the app settings, then the runtime's explicit overrides (tests).
import { resolveConnection, resolveSettingReference, settingReference, type AppSettings } from "./appSettings";
import {
  DEFAULT_CONTROL_QUEUE_BATCH_SIZE,
  DEFAULT_FUNCTION_TIMEOUT_MS,
  DEFAULT_TIMEOUT_GRACE_PERIOD_MS,
  MAX_CONTROL_QUEUE_BATCH_SIZE,
  defaultConcurrency,
} from "./durable/defaults";
import type { HostJson } from "./hostJson";
import type { StorageRef } from "../shared/storage/clients";
import { parseTimeSpan } from "./timeSpan";

export interface DurableOverrides {
  /** The task hub name, whatever host.json says. */
  taskHub?: string;
  functionTimeoutMs?: number;
  timeoutGracePeriodMs?: number;
  maxConcurrentActivityFunctions?: number;
  maxConcurrentOrchestratorFunctions?: number;
  controlQueueBatchSize?: number;
}

export interface DurableSettingsInput {
  hostJson: HostJson;
  settings: AppSettings;
  /** AzureWebJobsStorage: the task hub's storage unless host.json's connectionName names another. */
  storageConnectionString: StorageRef;
  /** The hub name when host.json has none, or its "%Name%" setting is unset. */
  defaultTaskHub: string;
  overrides?: DurableOverrides;
}

export interface DurableSettings {
  taskHub: string;
  /** Where the task hub's table lives. */
  storageConnectionString: StorageRef;
  /** The app setting it came from ("AzureWebJobsStorage" by default). */
  connectionName: string;
  functionTimeoutMs: number;
  timeoutGracePeriodMs: number;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  controlQueueBatchSize: number;
  /** Lines worth logging at start (a fallback taken, a setting not honoured). */
  notes: string[];
}

const DEFAULT_CONNECTION = "AzureWebJobsStorage";

export function resolveDurableSettings(input: DurableSettingsInput): DurableSettings {
  const durable = input.hostJson.extensions?.durableTask ?? {};
  const overrides = input.overrides ?? {};
  const notes: string[] = [];
  if (durable.extendedSessionsEnabled) {
    notes.push("host.json enables extendedSessionsEnabled; the embedded host keeps no history between episodes regardless (extended sessions off)");
  }

  let taskHub = overrides.taskHub;
  if (taskHub === undefined && durable.hubName !== undefined) {
    taskHub = resolveSettingReference(durable.hubName, input.settings);
    if (taskHub === undefined) notes.push(`host.json hubName ${durable.hubName}: app setting ${settingReference(durable.hubName)} is not set, using task hub ${input.defaultTaskHub}`);
  }

  const connectionName = durable.storageProvider?.connectionName ?? durable.storageProvider?.connectionStringName ?? DEFAULT_CONNECTION;
  const named = resolveConnection(connectionName, input.settings);
  const isDefault = connectionName === DEFAULT_CONNECTION || connectionName === "Storage";
  if (!named && !isDefault) {
    throw new Error(
      `host.json extensions.durableTask.storageProvider.connectionName is '${connectionName}', but neither app setting ${connectionName} nor AzureWebJobs${connectionName} is set: set one of them to the connection string of the task hub's storage account`,
    );
  }

  const batch = overrides.controlQueueBatchSize ?? durable.storageProvider?.controlQueueBatchSize ?? DEFAULT_CONTROL_QUEUE_BATCH_SIZE;
  if (!Number.isInteger(batch) || batch < 1 || batch > MAX_CONTROL_QUEUE_BATCH_SIZE) {
    throw new Error(`controlQueueBatchSize is ${batch}: it must be a whole number from 1 to ${MAX_CONTROL_QUEUE_BATCH_SIZE} (an Azure Queues limit)`);
  }
  const timeout = overrides.functionTimeoutMs ?? (input.hostJson.functionTimeout !== undefined ? parseTimeSpan(input.hostJson.functionTimeout, "host.json functionTimeout") : DEFAULT_FUNCTION_TIMEOUT_MS);
  if (!(timeout > 0)) throw new Error(`functionTimeout must be positive (or -1 for no limit in host.json), got ${timeout} ms`);

  return {
    taskHub: taskHub ?? input.defaultTaskHub,
    storageConnectionString: named ?? input.storageConnectionString,
    connectionName,
    functionTimeoutMs: timeout,
    timeoutGracePeriodMs: overrides.timeoutGracePeriodMs ?? DEFAULT_TIMEOUT_GRACE_PERIOD_MS,
    maxConcurrentActivityFunctions: positive("maxConcurrentActivityFunctions", overrides.maxConcurrentActivityFunctions ?? durable.maxConcurrentActivityFunctions ?? defaultConcurrency()),
    maxConcurrentOrchestratorFunctions: positive("maxConcurrentOrchestratorFunctions", overrides.maxConcurrentOrchestratorFunctions ?? durable.maxConcurrentOrchestratorFunctions ?? defaultConcurrency()),
    controlQueueBatchSize: batch,
    notes,
  };
}

function positive(what: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${what} must be a positive whole number, got ${value}`);
  return value;
}
