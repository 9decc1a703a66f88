// Inputs and outputs of the environment data operations (backup, restore, copy, reset) and of
// the backups step of a re-key. Like shared/operations/contracts.ts: a lost key comes back as a
// value (KeyFailure), transient trouble as an exception the orchestration's retries cure.
import type { KeyFailure, KeyTarget, RetryPolicy } from "../operations/contracts";

/** A request the data layer refused (a backup gone, an environment without a key ring): not retried. */
export interface Refusal { outcome: "Refused"; code: string; message: string }

export type DataOperationKind = "Backup" | "Restore" | "Copy" | "Reset";
export type DataStore = "records" | "files";
export const DATA_STORES: readonly DataStore[] = ["records", "files"];

/** Where a restore or copy reads from: a backup of an environment, or an environment's live data. */
export type TransferSource =
  | { kind: "backup"; environmentId: string; backupId: string }
  | { kind: "environment"; environmentId: string };

export interface DataOperationInput {
  operationId: string;
  kind: DataOperationKind;
  /** The environment backed up, restored into, copied into or reset. */
  environmentId: string;
  /** Backup: the id of the backup being taken. */
  backupId?: string;
  /** Restore and copy. */
  source?: TransferSource;
  retry: RetryPolicy;
  pageSize: number;
  parallelism: number;
  /** Reset: how long to keep the environment offline after its keys changed (the DEK cache TTL). */
  settleSeconds?: number;
}

export interface DataOperationResult {
  status: "Succeeded" | "Failed";
  error?: { code: string; message: string };
}

/** Records progress on the history entry and, at the end, releases the environment. */
export interface DataOperationStepInput {
  operationId: string;
  environmentId: string;
  step?: { name: string; status: "Running" | "Succeeded" | "Failed" | "Skipped"; detail?: string };
  progress?: { done: number; total: number; unit: string };
  operationStatus?: "Succeeded" | "Failed";
  error?: { code: string; message: string };
  /** Ends the operation: frees the environment's slot and its data operation flag. */
  release?: boolean;
}

export interface BeginBackupInput { operationId: string; environmentId: string; backupId: string }
export interface BeginBackupOutput { buckets: number }

export interface BackupPartitionInput {
  environmentId: string;
  backupId: string;
  store: DataStore;
  bucket: number;
  continuation?: string;
  /** Next record segment number of this bucket. */
  segment: number;
  pageSize: number;
}
export interface BackupPartitionOutput { done: boolean; continuation?: string; segment: number; items: number }

export interface CompleteBackupInput {
  operationId: string;
  environmentId: string;
  backupId: string;
  outcome: { ok: true; records: number; files: number; recordSegments: number[] } | { ok: false; error: { code: string; message: string } };
}

export interface PrepareTransferInput { operationId: string; environmentId: string; source: TransferSource }
export type PrepareTransferOutput = { outcome: "ok"; buckets: number; items: number } | KeyFailure | Refusal;

export interface TransferPartitionInput {
  operationId: string;
  environmentId: string;
  source: TransferSource;
  store: DataStore;
  bucket: number;
  continuation?: string;
  pageSize: number;
}
export type TransferPartitionOutput = { outcome: "ok"; done: boolean; continuation?: string; items: number } | KeyFailure | Refusal;

export interface ResetEnvironmentInput { operationId: string; environmentId: string }
export type ResetEnvironmentOutput = { outcome: "ok"; keyId: string; backupsDeleted: number } | KeyFailure | Refusal;

/** The backups step of a re-key (rekeyFlow): re-wrap the environment's backups under the target key. */
export interface RewrapBackupsInput { operationId: string; environmentId: string; target: KeyTarget }
export type RewrapBackupsOutput =
  | { outcome: "ok"; backups: number; rewrapped: number }
  | KeyFailure
  /** A backup none of whose copies can be unwrapped any more: the environment is fine, the backup is not. */
  | { outcome: "BackupUnusable"; code: string; message: string };
