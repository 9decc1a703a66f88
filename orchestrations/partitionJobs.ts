// The page work a partition worker can do, one kind per long operation that walks partitions:
// which activity pages it, what a page's result means (the partition's next cursor, done, or a
// reason to stop everything), and what the worker carries from page to page. Pure: no I/O.
import type { CountPartitionInput, CountPartitionOutput, KeyFailure, Refusal, ReencryptPartitionInput, ReencryptPartitionOutput } from "../shared/operations/contracts";
import type { BackupPartitionInput, BackupPartitionOutput, TransferPartitionInput, TransferPartitionOutput } from "../shared/dataOperations/contracts";
import type { ActivityTable } from "../activities";
import type { ActivityProxy, TypedTask } from "./activityProxy";

/** One partition's work: the fields every page of it shares (the partition and cursor are the worker's). */
export type PartitionJob =
  | { kind: "reencrypt"; page: Omit<ReencryptPartitionInput, "partition" | "continuation"> }
  | { kind: "count"; page: Omit<CountPartitionInput, "partition" | "continuation"> }
  | { kind: "backup"; page: Omit<BackupPartitionInput, "bucket" | "continuation" | "segment"> }
  | { kind: "transfer"; page: Omit<TransferPartitionInput, "bucket" | "continuation"> };

/** Where a partition's work stands: the next page's continuation, the backup segment, items so far. */
export interface PartitionCursor {
  continuation?: string;
  /** Backups of records: the next segment number of the partition (0 for everything else). */
  segment: number;
  items: number;
  /** Counting: items so far under a DEK outside the target's lineage. */
  offTarget?: number;
}

/** Why a page stopped the whole operation: a lost key or a refusal no retry cures. */
export type StopReason = KeyFailure | Refusal;

export type PageVerdict = { done: boolean; cursor: PartitionCursor } | { stop: StopReason };

export type PageOutput = ReencryptPartitionOutput | CountPartitionOutput | BackupPartitionOutput | TransferPartitionOutput;

export function schedulePage(act: ActivityProxy<ActivityTable>, job: PartitionJob, partition: number, cursor: PartitionCursor): TypedTask<PageOutput> {
  const continuation = cursor.continuation;
  switch (job.kind) {
    case "reencrypt": return act.reencryptPartition.start({ ...job.page, partition: String(partition), continuation });
    case "count": return act.countPartition.start({ ...job.page, partition: String(partition), ...(continuation ? { continuation } : {}) });
    case "backup": return act.backupPartition.start({ ...job.page, bucket: partition, continuation, segment: cursor.segment });
    case "transfer": return act.transferPartition.start({ ...job.page, bucket: partition, continuation });
  }
}

export function settlePage(job: PartitionJob, output: PageOutput, cursor: PartitionCursor): PageVerdict {
  if ("outcome" in output && output.outcome !== "ok") return { stop: output };
  const page = output as Extract<PageOutput, { done: boolean }>;
  const items = "scanned" in page ? page.scanned : page.items;
  const segment = job.kind === "backup" && "segment" in page ? page.segment : cursor.segment;
  const offTarget = "offTarget" in page ? { offTarget: (cursor.offTarget ?? 0) + page.offTarget } : cursor.offTarget !== undefined ? { offTarget: cursor.offTarget } : {};
  return { done: page.done, cursor: { continuation: page.done ? undefined : page.continuation, segment, items: cursor.items + items, ...offTarget } };
}
