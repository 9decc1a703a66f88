// Inputs and outputs of the environment data operations (backup, restore, copy, reset) and of
// the backups step of a re-key. Like shared/operations/contracts.ts: a lost key comes back as a
// value (KeyFailure), transient trouble as an exception the orchestration's retries cure.
import type { EnvironmentScope, KeyFailure, KeyTarget, Refusal, ActivityRetryPolicy, ProgressTarget } from "../operations/contracts";

export type DataOperationKind = "Backup" | "Restore" | "Copy" | "Reset";
export type DataStore = "records" | "files";
export const DATA_STORES: readonly DataStore[] = ["records", "files"];

/** Where a restore or copy reads from: a backup of an environment, or an environment's live data. */
export type TransferSource =
  /** `dataId`: where the backup is stored (the source's backups' data id); its manifest names the data id it was taken from. */
  | { kind: "backup"; environmentId: string; dataId: string; backupId: string }
  | { kind: "environment"; environmentId: string; dataId: string };

export interface DataOperationInput extends EnvironmentScope {
  operationId: string;
  /** The environment (EnvironmentScope) is the one backed up, restored into, copied into or reset. */
  kind: DataOperationKind;
  /** Backup: the id of the backup being taken. */
  backupId?: string;
  /** Restore and copy. */
  source?: TransferSource;
  retry: ActivityRetryPolicy;
  pageSize: number;
  parallelism: number;
  /** Reset: how long to keep the environment offline after its keys changed (the DEK cache TTL). */
  settleSeconds?: number;
}

export interface DataOperationResult {
  status: "Succeeded" | "Failed";
  error?: { code: string; message: string };
}

export interface BeginBackupInput extends EnvironmentScope { operationId: string; backupId: string }
/**
 * The manifest's partitions and where the backup is stored (`backupsDataId`: the environment's
 * backups' data id, Environment.backupsDataId), or why no backup can be taken (a terminal error,
 * as a value: activityOutcome.ts).
 */
export type BeginBackupOutput = { buckets: number; backupsDataId: string } | KeyFailure | Refusal;

export interface BackupPartitionInput {
  /** The environment's live data, read. */
  dataId: string;
  /** Where the backup is written (BeginBackupOutput.backupsDataId); absent, under `dataId`. */
  backupsDataId?: string;
  backupId: string;
  store: DataStore;
  bucket: number;
  continuation?: string;
  /** Next record segment number of this bucket. */
  segment: number;
  pageSize: number;
  progress?: ProgressTarget;
}
/** One page of a backup: where the partition's next page starts. */
export interface BackupPage { done: boolean; continuation?: string; segment: number; items: number }
export type BackupPartitionOutput = BackupPage | KeyFailure | Refusal;

export interface CompleteBackupInput {
  operationId: string;
  dataId: string;
  /** Where the backup is stored; absent, under `dataId`. */
  backupsDataId?: string;
  backupId: string;
  outcome: { ok: true; records: number; files: number; recordSegments: number[] } | { ok: false; error: { code: string; message: string } };
}
/** Nothing when the manifest is completed (or the failed backup deleted); a terminal error as a value. */
export type CompleteBackupOutput = void | KeyFailure | Refusal;

export interface PrepareTransferInput extends EnvironmentScope { operationId: string; source: TransferSource }
/**
 * The source checked and the fresh generation built. `freshDataId`: where the partitions are
 * written. `items`: the source's size when its manifest says it; otherwise (a live environment)
 * the flow counts it page by page under `sourceDekId`.
 */
export type PrepareTransferOutput = { outcome: "ok"; buckets: number; items?: number; sourceDekId?: string; freshDataId: string } | KeyFailure | Refusal;

/** The switch of a restore or copy: the environment moves from `dataId` to `freshDataId`. */
export interface SwitchGenerationInput extends EnvironmentScope { operationId: string; freshDataId: string }
/** `retired`: the data ids whose generations are left to delete (deleteRetiredData, page by page). */
export type SwitchGenerationOutput = { outcome: "ok"; retired: string[] } | Refusal;

export interface TransferPartitionInput extends EnvironmentScope {
  operationId: string;
  source: TransferSource;
  store: DataStore;
  bucket: number;
  continuation?: string;
  pageSize: number;
  progress?: ProgressTarget;
}
export type TransferPartitionOutput = { outcome: "ok"; done: boolean; continuation?: string; items: number } | KeyFailure | Refusal;

export interface ResetEnvironmentInput extends EnvironmentScope { operationId: string }
/**
 * Reset switched the environment to a fresh storage generation. `retired`: the data ids whose
 * generations are left to delete (deleteRetiredData, page by page): the one just replaced, and
 * any an earlier operation's cleanup did not finish.
 */
export type ResetEnvironmentOutput = { outcome: "ok"; keyId: string; backupsDeleted: number; retired: string[] } | KeyFailure | Refusal;

/** One bounded page of deleting a retired generation (shared/dataOperations/generations.ts). */
export interface DeleteRetiredDataInput { operationId: string; tenantId: string; environmentId: string; retiredDataId: string }
export type DeleteRetiredDataOutput = { outcome: "ok"; done: boolean; backupsDeleted: number } | Refusal;

/** The backups step of a re-key (rekeyFlow): re-wrap the environment's backups under the target key. */
export interface RewrapBackupsInput extends EnvironmentScope { operationId: string; target: KeyTarget }
export type RewrapBackupsOutput =
  | { outcome: "ok"; backups: number; rewrapped: number }
  | KeyFailure | Refusal
  /** A backup none of whose copies can be unwrapped any more: the environment is fine, the backup is not. */
  | { outcome: "BackupUnusable"; code: string; message: string };

/** What the History page calls each data operation. */
export const DATA_OPERATION_NAMES: Record<DataOperationKind, string> = {
  Backup: "Back up environment",
  Restore: "Restore environment",
  Copy: "Copy environment",
  Reset: "Reset environment",
};

/** The flag that keeps the data API at 503 while a data operation rewrites the environment's data. */
export const DATA_OPERATION_FLAGS: Record<DataOperationKind, "Restoring" | "Copying" | "Resetting" | undefined> = {
  Backup: undefined, Restore: "Restoring", Copy: "Copying", Reset: "Resetting",
};
