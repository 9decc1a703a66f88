// The one partition pump: works a set of partitions through, each as its own sub-orchestration
// (partitionWorker.ts), at most `parallelism` at a time; as one ends the next starts. This
// execution's history holds a few events per partition, and each worker's a few page calls (it
// continues as new), so no history grows with the number of items: the real engine replays an
// execution's whole history on every episode. Every long operation that walks an environment's
// partitions (re-encryption, backup, restore, copy) goes through here: it is the one place to
// change how partitions are scheduled.
//
// Progress is the page activities' own doing (they add their items to the operation's record);
// the pump only sums what its workers did.
import type { OrchestrationContext, Task } from "durable-functions";
import type { ActivityRetryPolicy } from "../shared/operations/contracts";
import type { PartitionCursor, PartitionJob, StopReason } from "./partitionJobs";
import { partitionWorker, type PartitionWorkInput, type PartitionWorkResult } from "./partitionWorker";
import { errorMessage } from "./retry";
import type { Sent } from "./orchestrator";

/** Page calls a worker makes per execution before it continues as new: its history stays this size. */
export const CALLS_PER_EXECUTION = 8;

export interface PumpOptions {
  /** Names this pump's workers among the instance's others (a store, say): `${instanceId}:${label}:${partition}`. */
  label: string;
  partitions: readonly number[];
  parallelism: number;
  retry: ActivityRetryPolicy;
  job: PartitionJob;
  /** Where a partition starts (a backup's record segment); from its beginning unless given. */
  startAt?(partition: number): Partial<PartitionCursor>;
  /** Told of each partition as its worker finishes it (progress in the instance's custom status). */
  onDone?(partition: number, result: Extract<PartitionWorkResult, { outcome: "done" }>): void;
}

export interface PumpOutcome {
  /** Items the finished partitions held. */
  items: number;
  /** Per finished partition: its worker's last cursor segment. */
  segments: Map<number, number>;
  /** The first stop reason a page gave (no new partition was started after it). */
  stop?: StopReason;
}

/** A worker that spent an activity's retries: thrown once every running worker has ended. */
export class PartitionFailed extends Error {}

export function workerInstanceId(parentId: string, label: string, partition: number): string {
  return `${parentId}:${label}:${partition}`;
}

export function* pumpPartitions(context: OrchestrationContext, options: PumpOptions): Generator<Task, PumpOutcome, Sent> {
  const queue = [...options.partitions];
  const running: { partition: number; task: Task }[] = [];
  const outcome: PumpOutcome = { items: 0, segments: new Map() };
  let failure: string | undefined;
  const start = (partition: number) => {
    const input: PartitionWorkInput = {
      job: options.job, partition, retry: options.retry, callsPerExecution: CALLS_PER_EXECUTION,
      cursor: { segment: 0, items: 0, ...options.startAt?.(partition) },
    };
    running.push({ partition, task: context.df.callSubOrchestrator(partitionWorker.name, input, workerInstanceId(context.df.instanceId, options.label, partition)) });
  };
  const stopping = () => outcome.stop !== undefined || failure !== undefined;
  while (running.length > 0 || (queue.length > 0 && !stopping())) {
    while (!stopping() && running.length < Math.max(1, options.parallelism) && queue.length > 0) start(queue.shift()!);
    const winner: Task = yield context.df.Task.any(running.map((r) => r.task));
    const [{ partition }] = running.splice(running.findIndex((r) => r.task === winner), 1);
    if (winner.isFaulted) {
      failure ??= errorMessage(winner.result);
      continue;
    }
    const result = winner.result as PartitionWorkResult;
    outcome.items += result.items;
    if (result.outcome === "stopped") outcome.stop ??= result.stop;
    else if (result.outcome === "failed") failure ??= result.message;
    else {
      outcome.segments.set(partition, result.segment);
      options.onDone?.(partition, result);
    }
  }
  // A stop (a lost key, a refusal) outranks a failure a retry might cure.
  if (failure !== undefined && outcome.stop === undefined) throw new PartitionFailed(failure);
  return outcome;
}
