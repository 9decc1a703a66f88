// The inputs and outputs of every orchestration and activity. Orchestrations and activities
// import only these types from each other's world, so each file reads on its own.
// Domain failures (a key that cannot be reached, data left under an old DEK) come back as
// values, not exceptions: Durable Functions retries exceptions, and retrying a revoked key
// five times only delays the lock. Exceptions are for transient faults, which retries cure.
import type { EncryptionStatus, Progress } from "../domain/environment";
import type { OperationStatus } from "../state/history";

/** Where an environment's DEKs are headed. */
export type KeyTarget = { kind: "CustomerManaged"; policy: string } | { kind: "PlatformManaged" };

export type Store = "records" | "files";
export const CORE_STORES: readonly Store[] = ["records"];
export const SECONDARY_STORES: readonly Store[] = ["files"];

export interface RetryPolicy {
  firstRetryIntervalMs: number;
  maxAttempts: number;
  backoffCoefficient: number;
  maxRetryIntervalMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { firstRetryIntervalMs: 2000, maxAttempts: 5, backoffCoefficient: 2, maxRetryIntervalMs: 60_000 };

export interface KeyFailure {
  outcome: "AccessLost";
  code: string;
  message: string;
}

// ---- orchestration inputs ----

export interface RekeyInput {
  operationId: string;
  environmentId: string;
  target: KeyTarget;
  /** The environment's policy when the operation started (the key a revert must still reach). */
  fromPolicy?: string;
  parallelism: number;
  retry: RetryPolicy;
  /** Items an activity processes before it returns a checkpoint. */
  pageSize: number;
  /** True when this re-key is one half of a change of policy (history is kept by the parent). */
  partOfChange?: boolean;
  /**
   * The environment was in Warning (its core store done, a secondary one not): the rerun starts
   * online and goes down only if a core store is found with items off the target DEK.
   */
  resumeOnline?: boolean;
}

export interface ChangePolicyInput {
  operationId: string;
  environmentId: string;
  fromPolicy: string;
  toPolicy: string;
  parallelism: number;
  retry: RetryPolicy;
  pageSize: number;
}

export interface RotateInput {
  operationId: string;
  policy: string;
  /** The new key version; the latest when omitted. */
  keyId?: string;
  retry: RetryPolicy;
}

export interface RekeyResult {
  status: "Encrypted" | "PlatformManaged" | "Failed" | "Warning";
  error?: { code: string; message: string };
}

// ---- activity inputs and outputs ----

export interface PrepareTargetDekInput { operationId: string; environmentId: string; target: KeyTarget }
/** keyInUse (adds only): whether the environment's data already depends on the key that failed; false: it is not locked. */
export type PrepareTargetDekOutput = { outcome: "ok"; dekId: string; keyId: string } | (KeyFailure & { keyInUse?: boolean });

export interface SetStatusInput {
  operationId: string;
  environmentId: string;
  status: EncryptionStatus;
  progress?: Progress;
  step?: { name: string; status: "Running" | "Succeeded" | "Failed" | "Skipped"; detail?: string };
  /** Whether this call ends the history entry, and how. */
  operationStatus?: OperationStatus;
  error?: { code: string; message: string };
  /** Final key state, set when the operation succeeds. */
  final?: { keyType: "CustomerManaged" | "PlatformManaged"; policy?: string; keyId?: string };
  /** Store a Warning names. */
  warning?: string;
  /** True when this call releases the environment's one-operation-at-a-time slot. */
  release?: boolean;
  /** True when the key was lost: lock the environment. */
  lock?: { reason: string };
  /** The policy the environment joins (set when an add begins). */
  policy?: string;
}

/** With targetDekId, `remaining` counts the store's items under any other DEK. */
export interface ListPartitionsInput { environmentId: string; store: Store; targetDekId?: string }
export interface ListPartitionsOutput { partitions: string[]; items: number; remaining?: number }

export interface ReencryptPartitionInput {
  operationId: string;
  environmentId: string;
  store: Store;
  partition: string;
  targetDekId: string;
  continuation?: string;
  pageSize: number;
}
export type ReencryptPartitionOutput =
  | { outcome: "ok"; done: boolean; continuation?: string; scanned: number; rewritten: number }
  | KeyFailure;

export interface FinishRekeyInput { operationId: string; environmentId: string; targetDekId: string; target: KeyTarget }
export type FinishRekeyOutput =
  | { outcome: "ok"; retiredDekIds: string[]; keyId: string }
  | { outcome: "DataRemaining"; remaining: Record<string, number> }
  | KeyFailure;

export interface RewrapEnvironmentInput { operationId: string; environmentId: string; policy: string; keyId: string }
export type RewrapEnvironmentOutput = { outcome: "ok"; rewrapped: number; environmentId: string } | KeyFailure;

export interface ResolveKeyVersionInput { policy: string; keyId?: string }
export type ResolveKeyVersionOutput = { outcome: "ok"; keyId: string; environmentIds: string[] } | KeyFailure;
