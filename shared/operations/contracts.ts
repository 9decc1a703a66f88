// The inputs and outputs of every orchestration and activity. Orchestrations and activities
// import only these types from each other's world, so each file reads on its own.
// What no retry can cure comes back as a value (a lost key, a refusal, data left under an old
// DEK); what a retry may cure is thrown (shared/operations/activityOutcome.ts decides which).
import type { EncryptionStatus } from "../domain/encryptionStatus";
import type { Progress } from "../domain/environment";
import type { OperationStatus } from "../state/history";

/** Where an environment's DEKs are headed: a policy's key (of the environment's own tenant), or the platform's. */
export type KeyTarget = { kind: "CustomerManaged"; policy: string; tenantId: string } | { kind: "PlatformManaged" };

export type Store = "records" | "files";
export const CORE_STORES: readonly Store[] = ["records"];
export const SECONDARY_STORES: readonly Store[] = ["files"];

export interface ActivityRetryPolicy {
  firstRetryIntervalMs: number;
  maxAttempts: number;
  backoffCoefficient: number;
  maxRetryIntervalMs: number;
}

export const DEFAULT_ACTIVITY_RETRY: ActivityRetryPolicy = { firstRetryIntervalMs: 2000, maxAttempts: 5, backoffCoefficient: 2, maxRetryIntervalMs: 60_000 };

export interface KeyFailure {
  outcome: "AccessLost";
  code: string;
  message: string;
}

/** A request no retry can cure (a backup gone, a rule broken, an environment without a key ring). */
export interface Refusal { outcome: "Refused"; code: string; message: string }

/**
 * The environment an operation works on: its tenant and id (where its state is) and its data id
 * (where its data is). Every input that names an environment carries all three, so no activity
 * has to look one up from another.
 */
export interface EnvironmentScope {
  tenantId: string;
  environmentId: string;
  dataId: string;
}

// ---- orchestration inputs ----

export interface RekeyInput extends EnvironmentScope {
  operationId: string;
  target: KeyTarget;
  /** The environment's policy when the operation started (the key a revert must still reach). */
  fromPolicy?: string;
  parallelism: number;
  retry: ActivityRetryPolicy;
  /** Items an activity processes before it returns a checkpoint. */
  pageSize: number;
  /** True when this re-key is one half of a change of policy (history is kept by the parent). */
  partOfChange?: boolean;
  /**
   * The environment was in Warning (its core store done, a secondary one not): the rerun starts
   * online and goes down only if a core store is found with items off the target DEK.
   */
  resumeOnline?: boolean;
  /**
   * "none": online throughout (the online status from the start); concurrent writes go under the
   * target DEK and win over the re-encryption's conditional writes, and stragglers written under
   * the previous DEK by an instance that had not yet seen the switch are swept before it retires.
   */
  downtime?: Downtime;
}

/** An operation's downtime: as the reference product (the core store offline), or none. */
export type Downtime = "reference" | "none";

export interface ChangePolicyInput extends EnvironmentScope {
  operationId: string;
  fromPolicy: string;
  toPolicy: string;
  /** Both halves (see RekeyInput.downtime). */
  downtime?: Downtime;
  parallelism: number;
  retry: ActivityRetryPolicy;
  pageSize: number;
}

export interface RotateInput {
  operationId: string;
  tenantId: string;
  policy: string;
  /** The new key version; the latest when omitted. */
  keyId?: string;
  retry: ActivityRetryPolicy;
  /** Environments re-wrapped at once (KEYWARD_ROTATION_PARALLELISM); the flow's default when absent. */
  parallelism?: number;
  /** Set by the flow itself when it continues as new: where the previous execution left off. */
  carry?: RotationCarry;
}

/** A rotation's state between executions (continueAsNew), so no execution's history grows with the policy's size. */
export interface RotationCarry {
  keyId: string;
  total: number;
  /** Environments not re-wrapped yet, in order (a throttled one first), each with its place in the policy's list. */
  queue: (EnvironmentScope & { index: number })[];
  /** Throttled answers so far, of the environments still queued. */
  throttles: Record<string, number>;
  completed: number;
  rewrapped: number;
  throttledTotal: number;
  /** The first failed environments in the policy's order (at most MAX_REPORTED_FAILURES), with their place in its list. */
  failed: (Exclude<RewrapEnvironmentOutput, { outcome: "ok" }> & { index: number })[];
  /** Every failure, reported or not (absent in carries from before the bound: failed.length). */
  failedCount?: number;
  width: number;
  widthCredit: number;
  consecutive: number;
  pausedUntil: number;
  crashed?: string;
}

export interface RekeyResult {
  status: "Encrypted" | "PlatformManaged" | "Failed" | "Warning";
  error?: { code: string; message: string };
}

// ---- activity inputs and outputs ----

export interface PrepareTargetDekInput extends EnvironmentScope { operationId: string; target: KeyTarget }
/** keyInUse (adds only): whether the environment's data already depends on the key that failed; false: it is not locked. */
export type PrepareTargetDekOutput = { outcome: "ok"; dekId: string; keyId: string } | (KeyFailure & { keyInUse?: boolean }) | Refusal;

/** A step of an operation as its history entry shows it. */
export interface StepUpdate { name: string; status: "Running" | "Succeeded" | "Failed" | "Skipped"; detail?: string }

/** Writes an operation's history entry: a step, progress, and, once, its end. Idempotent. */
export interface RecordOperationInput {
  operationId: string;
  tenantId: string;
  environmentId: string;
  /**
   * The kind of entry to create when none exists yet: each half of a change of policy gets its
   * own entry (so each downtime shows), written by its first call.
   */
  createAs?: { kind: "AddToPolicy" | "RemoveFromPolicy"; policy?: string };
  step?: StepUpdate;
  progress?: Progress;
  /** Ends the entry (only the first end counts). */
  end?: { status: Exclude<OperationStatus, "Running">; error?: { code: string; message: string } };
}

/** Writes the environment's encryption state as an operation moves it. Idempotent. */
export interface SetEncryptionInput {
  operationId: string;
  tenantId: string;
  environmentId: string;
  status: EncryptionStatus;
  progress?: Progress;
  /** The policy the environment joins (set when an add begins). */
  policy?: string;
  /** For Warning: the secondary store not yet under the new key. */
  warning?: string;
  /** Final key state, set when the operation succeeds. */
  final?: { keyType: "CustomerManaged" | "PlatformManaged"; policy?: string; keyId?: string };
  /**
   * The operation ends here: its last status and the freeing of the environment's slot are one
   * write, so no reader sees the final status with the environment still held.
   */
  release?: boolean;
}

/** Frees the environment's one-operation slot (and a data operation's 503 flag) if this operation holds it. */
export interface ReleaseEnvironmentInput { operationId: string; tenantId: string; environmentId: string }

/** An operation lost its key: the probe decides whether the environment locks. */
export interface LockAfterKeyFailureInput { tenantId: string; environmentId: string; reason: string }

/** With targetDekId, `remaining` counts the store's items under any other DEK. */
export interface ListPartitionsInput { dataId: string; store: Store; targetDekId?: string }
/**
 * `paged`: the store holds more items than one call counts (KEYWARD_COUNT_ITEMS_PER_CALL), so
 * `items` and `remaining` are unknown: size it partition by partition (countPartition).
 */
export type ListPartitionsOutput = { partitions: string[]; items: number; remaining?: number; paged?: undefined } | { partitions: string[]; paged: true } | KeyFailure | Refusal;

/**
 * Counts a bounded run of one partition of a store: its items, and those under a DEK outside the
 * target's lineage. Sizing (of a store too large for listPartitions) and the finish proof (of an
 * environment too large for finishRekey) add these up partition by partition. `proof`: counted
 * only once the switch to the target has settled (dekCounts PROOF_SETTLE_MS).
 */
export interface CountPartitionInput { dataId: string; store: Store; partition: string; targetDekId: string; continuation?: string; proof?: boolean }
export type CountPartitionOutput = { outcome: "ok"; done: boolean; continuation?: string; scanned: number; offTarget: number } | KeyFailure | Refusal;

/**
 * Where a page activity records its own progress (the items it looked at), so the orchestration
 * needs no status activity per wave: the operation's history entry, and with `environment` the
 * environment's encryption progress too (a re-key shows it there).
 */
export interface ProgressTarget {
  operationId: string;
  tenantId: string;
  environmentId: string;
  environment?: boolean;
}

export interface ReencryptPartitionInput extends EnvironmentScope {
  operationId: string;
  store: Store;
  partition: string;
  targetDekId: string;
  continuation?: string;
  pageSize: number;
  progress?: ProgressTarget;
}
export type ReencryptPartitionOutput =
  | { outcome: "ok"; done: boolean; continuation?: string; scanned: number; rewritten: number }
  | KeyFailure | Refusal;

/** `proven`: the partitions a paged proof counted per store (none off target); the activity then counts nothing itself. */
export interface FinishRekeyInput extends EnvironmentScope { operationId: string; targetDekId: string; target: KeyTarget; proven?: Record<Store, number> }
export type FinishRekeyOutput =
  | { outcome: "ok"; retiredDekIds: string[]; keyId: string }
  | { outcome: "DataRemaining"; remaining: Record<string, number> }
  /** Too many items to prove in one call: prove partition by partition, then finish with `proven`. */
  | { outcome: "ProofPaged" }
  | KeyFailure | Refusal;

export interface RewrapEnvironmentInput extends EnvironmentScope { operationId: string; policy: string; keyId: string }
/** The vault answered 429 (after the activity's own short retries): wait, on a durable timer, and try again. */
export interface Throttled { outcome: "Throttled"; code: string; message: string; retryAfterMs?: number }
export type RewrapEnvironmentOutput = { outcome: "ok"; rewrapped: number; environmentId: string } | ((KeyFailure | Refusal | Throttled) & { environmentId: string });

export interface ResolveKeyVersionInput { tenantId: string; policy: string; keyId?: string }
export type ResolveKeyVersionOutput = { outcome: "ok"; keyId: string; environments: EnvironmentScope[] } | KeyFailure | Refusal;

/**
 * Watching a policy's key after an event: Azure applies a role change up to 10 minutes
 * late and raises no event when it does, so after an ARM role event or a vault event keyward
 * re-probes the policy, every `maxIntervalMs` at most, until `until`.
 */
export interface WatchPolicyAccessInput {
  tenantId: string;
  policy: string;
  /** The event that started the watch (history and lock reasons name it). */
  trigger: string;
  /** ISO time the watch ends. */
  until: string;
  firstIntervalMs: number;
  maxIntervalMs: number;
  /** The interval reached, when continued as new. */
  intervalMs?: number;
  /** Probes made in earlier executions. */
  probes?: number;
  retry: ActivityRetryPolicy;
}
export interface ReprobePolicyInput { tenantId: string; policy: string; trigger: string }
export type ReprobePolicyOutput =
  | { outcome: "probed"; status: string; locked: number; unlocked: number }
  /** The policy was deleted: nothing left to watch. */
  | { outcome: "gone" }
  /** A probe no retry cures (activityOutcome.ts): this probe is skipped, as one that could not run. */
  | KeyFailure | Refusal;
