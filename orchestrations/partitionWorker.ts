// A group of partitions worked through, one after the other and page by page, as one
// sub-orchestration. Every `callsPerExecution` page calls it continues as new with where it is
// (the partition, its cursor) and its counters, so no execution's history holds more than that
// many calls, however many items the partitions hold (the real engine reloads and replays an
// execution's whole history on every episode). A rerun from a cursor redoes at most one page;
// every page activity is idempotent.
//
// It never fails on purpose: a lost key or a refusal comes back as `stopped`, an activity that
// spent its retries as `failed` with its message, so the parent sees each exactly as if it had
// called the activity itself.
import type { OrchestrationContext, Task } from "durable-functions";
import type { ActivityRetryPolicy } from "../shared/operations/contracts";
import type { ActivityTable } from "../activities";
import { proxyActivities } from "./activityProxy";
import { schedulePage, settlePage, type PageOutput, type PartitionCursor, type PartitionJob, type StopReason } from "./partitionJobs";
import { errorMessage } from "./retry";
import { orchestrator, type Sent } from "./orchestrator";

export interface PartitionWorkInput {
  job: PartitionJob;
  /** The partitions of this worker, worked in this order. */
  partitions: number[];
  retry: ActivityRetryPolicy;
  /** Page calls per execution before it continues as new. */
  callsPerExecution: number;
  /** Where it is: the index in `partitions` and that partition's cursor (items: the group's so far). */
  at: number;
  cursor: PartitionCursor;
  /** Per finished partition: its last segment (backups of records). */
  segments: Record<string, number>;
}

export type PartitionWorkResult =
  | { outcome: "done"; items: number; segments: Record<string, number>; offTarget?: number }
  | { outcome: "stopped"; items: number; stop: StopReason }
  | { outcome: "failed"; items: number; message: string };

export function firstWork(job: PartitionJob, partitions: number[], retry: ActivityRetryPolicy, callsPerExecution: number): PartitionWorkInput {
  return { job, partitions, retry, callsPerExecution, at: 0, cursor: { segment: 0, items: 0 }, segments: {} };
}

/** A count's running total of items off target, carried from partition to partition (absent for other jobs). */
const counted = (cursor: PartitionCursor) => (cursor.offTarget !== undefined ? { offTarget: cursor.offTarget } : {});

function* partitionWorkFlow(context: OrchestrationContext, input: PartitionWorkInput): Generator<Task, PartitionWorkResult, Sent> {
  const act = proxyActivities<ActivityTable>(context, input.retry);
  let { at, cursor } = input;
  const segments = { ...input.segments };
  for (let call = 0; call < Math.max(1, input.callsPerExecution); call++) {
    if (at >= input.partitions.length) return { outcome: "done", items: cursor.items, segments, ...counted(cursor) };
    const partition = input.partitions[at];
    let output: PageOutput;
    try {
      output = yield schedulePage(act, input.job, partition, cursor);
    } catch (err) {
      return { outcome: "failed", items: cursor.items, message: errorMessage(err) };
    }
    const verdict = settlePage(input.job, output, cursor);
    if ("stop" in verdict) return { outcome: "stopped", items: cursor.items, stop: verdict.stop };
    cursor = verdict.cursor;
    if (verdict.done) {
      segments[String(partition)] = cursor.segment;
      at++;
      cursor = { segment: 0, items: cursor.items, ...counted(cursor) };
    }
  }
  if (at >= input.partitions.length) return { outcome: "done", items: cursor.items, segments, ...counted(cursor) };
  context.df.setCustomStatus({ partition: input.partitions[at], items: cursor.items });
  context.df.continueAsNew({ ...input, at, cursor, segments } satisfies PartitionWorkInput);
  // The engine discards the output of an execution that continued as new: the parent hears from the last one.
  return undefined as never;
}

export const partitionWorker = orchestrator<PartitionWorkInput, PartitionWorkResult>("partitionWorker", partitionWorkFlow);
