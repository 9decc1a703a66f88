// Every activity, in one table: plain async functions of (input, services). registerActivities
// registers each under its property name; orchestrations call them through a typed proxy over
// this table's type (orchestrations/activityProxy.ts), so a name, an input or an output that
// drifts apart is a compile error.
import * as df from "durable-functions";
import type { AppServices } from "../shared/appServices";
import { prepareTargetDek } from "./prepareTargetDek";
import { listPartitions } from "./listPartitions";
import { countPartition } from "./countPartition";
import { reencryptPartition } from "./reencryptPartition";
import { finishRekey } from "./finishRekey";
import { resolveKeyVersion } from "./resolveKeyVersion";
import { rewrapEnvironment } from "./rewrapEnvironment";
import { rewrapBackups } from "./rewrapBackups";
import { beginBackup } from "./beginBackup";
import { backupPartition } from "./backupPartition";
import { completeBackup } from "./completeBackup";
import { prepareTransfer } from "./prepareTransfer";
import { transferPartition } from "./transferPartition";
import { switchGeneration } from "./switchGeneration";
import { eraseEnvironmentData } from "./eraseEnvironmentData";
import { deleteRetiredData } from "./deleteRetiredData";
import { reprobePolicy } from "./reprobePolicy";
import { lockAfterKeyFailure, recordOperation, releaseEnvironment, setEncryption } from "./operationState";

export const activities = {
  // the environment's state and the operation's history
  setEncryption, recordOperation, releaseEnvironment, lockAfterKeyFailure,
  // add, remove, change of policy
  prepareTargetDek, listPartitions, countPartition, reencryptPartition, rewrapBackups, finishRekey,
  // key version rotation
  resolveKeyVersion, rewrapEnvironment,
  // watching a policy's key after an event
  reprobePolicy,
  // backup, restore, copy, reset
  beginBackup, backupPartition, completeBackup, prepareTransfer, transferPartition, switchGeneration, eraseEnvironmentData, deleteRetiredData,
};

export type ActivityTable = typeof activities;

/** Registers every activity with the Functions host; each call gets the process's services. */
export function registerActivities(table: ActivityTable, services: () => AppServices): void {
  for (const [name, run] of Object.entries(table) as [string, (input: unknown, svc: AppServices) => Promise<unknown>][]) {
    df.app.activity(name, { handler: (input: unknown) => run(input, services()) });
  }
}
