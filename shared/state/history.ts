// An environment's history: one entry per operation ("Update Customer Managed Key", lock,
// unlock...), newest first, with status, start, end, steps and progress.
import type { Progress } from "../domain/environment";
import { invertedTimeKey } from "./invertedTime";

export type OperationKind = "AddToPolicy" | "RemoveFromPolicy" | "ChangePolicy" | "RotateKeyVersion" | "Lock" | "Unlock" | "Backup" | "Restore" | "Copy" | "Reset" | "DeleteLockedEnvironment";
export type OperationStatus = "Running" | "Succeeded" | "Failed";

export interface OperationStep {
  name: string;
  status: "Running" | "Succeeded" | "Failed" | "Skipped";
  startedAt: string;
  endedAt?: string;
  detail?: string;
}

export interface OperationRecord {
  operationId: string;
  environmentId: string;
  /** What the reference's History page calls it. */
  operation: string;
  kind: OperationKind;
  status: OperationStatus;
  startedAt: string;
  endedAt?: string;
  steps: OperationStep[];
  progress?: Progress;
  error?: { code: string; message: string };
  /** The orchestration instance running it, for operations that have one. */
  instanceId?: string;
  policy?: string;
  targetPolicy?: string;
  requestedBy?: string;
}

export const UPDATE_CMK = "Update Customer Managed Key";

/** Row key that sorts newest first within an environment's partition. */
export function historyRowKey(startedAt: string, operationId: string): string {
  return invertedTimeKey(new Date(startedAt), operationId);
}
