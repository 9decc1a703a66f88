// One partition worked through, page by page, as its own sub-orchestration. Every
// `callsPerExecution` page calls it continues as new with its cursor and counters, so no
// execution's history holds more than that many calls, however many items the partition has (the
// real engine reloads and replays an execution's whole history on every episode). The first page
// call from a rerun's cursor redoes at most one page; every page activity is idempotent.
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
  partition: number;
  retry: ActivityRetryPolicy;
  /** Page calls per execution before it continues as new. */
  callsPerExecution: number;
  cursor: PartitionCursor;
}

export type PartitionWorkResult =
  | { outcome: "done"; items: number; segment: number }
  | { outcome: "stopped"; items: number; stop: StopReason }
  | { outcome: "failed"; items: number; message: string };

function* partitionWorkFlow(context: OrchestrationContext, input: PartitionWorkInput): Generator<Task, PartitionWorkResult, Sent> {
  const act = proxyActivities<ActivityTable>(context, input.retry);
  let cursor = input.cursor;
  for (let call = 0; call < Math.max(1, input.callsPerExecution); call++) {
    let output: PageOutput;
    try {
      output = yield schedulePage(act, input.job, input.partition, cursor);
    } catch (err) {
      return { outcome: "failed", items: cursor.items, message: errorMessage(err) };
    }
    const verdict = settlePage(input.job, output, cursor);
    if ("stop" in verdict) return { outcome: "stopped", items: cursor.items, stop: verdict.stop };
    cursor = verdict.cursor;
    if (verdict.done) return { outcome: "done", items: cursor.items, segment: cursor.segment };
  }
  context.df.setCustomStatus({ partition: input.partition, items: cursor.items });
  context.df.continueAsNew({ ...input, cursor } satisfies PartitionWorkInput);
  // The engine discards the output of an execution that continued as new: the parent hears from the last one.
  return undefined as never;
}

export const partitionWorker = orchestrator<PartitionWorkInput, PartitionWorkResult>("partitionWorker", partitionWorkFlow);
