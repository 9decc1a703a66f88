// The one partition pump: works a set of partitions through in groups, each group its own
// sub-orchestration (partitionWorker.ts), at most `parallelism` at a time; as one ends the next
// starts. There are at most GROUPS_PER_SLOT x parallelism groups, the partitions dealt round
// robin, so an environment of 1,024 partitions is still a handful of sub-orchestrations. This
// execution's history holds a few events per group, and each worker's a few page calls (it
// continues as new), so no history grows with the number of items: the real engine replays an
// execution's whole history on every episode. Every long operation that walks an environment's
// partitions (re-encryption, backup, restore, copy) goes through here: it is the one place to
// change how partitions are scheduled.
//
// Progress is the page activities' own doing (they add their items to the operation's record);
// the pump only sums what its workers did.
import type { OrchestrationContext, Task } from "durable-functions";
import type { ActivityRetryPolicy } from "../shared/operations/contracts";
import type { PartitionJob, StopReason } from "./partitionJobs";
import { firstWork, partitionWorker, type PartitionWorkResult } from "./partitionWorker";
import { errorMessage } from "./retry";
import type { Sent } from "./orchestrator";

/** Page calls a worker makes per execution before it continues as new: its history stays this size. */
export const CALLS_PER_EXECUTION = 8;

/** Groups per parallel slot: more than one, so a slot whose group ran short takes another. */
export const GROUPS_PER_SLOT = 2;

export interface PumpOptions {
  /** Names this pump's workers among the instance's others (a store, say): `${instanceId}:${label}:${partition}`. */
  label: string;
  partitions: readonly number[];
  parallelism: number;
  retry: ActivityRetryPolicy;
  job: PartitionJob;
  /** Told of each group as its worker finishes it (progress in the instance's custom status). */
  onDone?(partitions: number[], result: Extract<PartitionWorkResult, { outcome: "done" }>): void;
}

export interface PumpOutcome {
  /** Items the finished partitions held. */
  items: number;
  /** Per finished partition: its worker's last cursor segment. */
  segments: Map<number, number>;
  /** Counting: items of the finished partitions under a DEK outside the target's lineage. */
  offTarget: number;
  /** Partitions finished (a proof must have counted every one). */
  partitionsDone: number;
  /** The first stop reason a page gave (no new partition was started after it). */
  stop?: StopReason;
}

/** A worker that spent an activity's retries: thrown once every running worker has ended. */
export class PartitionFailed extends Error {}

export function workerInstanceId(parentId: string, label: string, firstPartition: number): string {
  return `${parentId}:${label}:${firstPartition}`;
}

/** The partitions dealt round robin into at most `groups` groups (none empty). */
export function groupPartitions(partitions: readonly number[], groups: number): number[][] {
  const n = Math.max(1, Math.min(groups, partitions.length));
  const out: number[][] = Array.from({ length: n }, () => []);
  partitions.forEach((p, i) => out[i % n].push(p));
  return out.filter((g) => g.length > 0);
}

export function* pumpPartitions(context: OrchestrationContext, options: PumpOptions): Generator<Task, PumpOutcome, Sent> {
  const slots = Math.max(1, options.parallelism);
  const queue = groupPartitions(options.partitions, slots * GROUPS_PER_SLOT);
  const running: { partitions: number[]; task: Task }[] = [];
  const outcome: PumpOutcome = { items: 0, offTarget: 0, partitionsDone: 0, segments: new Map() };
  let failure: string | undefined;
  const start = (partitions: number[]) => {
    const input = firstWork(options.job, partitions, options.retry, CALLS_PER_EXECUTION);
    running.push({ partitions, task: context.df.callSubOrchestrator(partitionWorker.name, input, workerInstanceId(context.df.instanceId, options.label, partitions[0])) });
  };
  const stopping = () => outcome.stop !== undefined || failure !== undefined;
  while (running.length > 0 || (queue.length > 0 && !stopping())) {
    while (!stopping() && running.length < slots && queue.length > 0) start(queue.shift()!);
    const winner: Task = yield context.df.Task.any(running.map((r) => r.task));
    const [{ partitions }] = running.splice(running.findIndex((r) => r.task === winner), 1);
    if (winner.isFaulted) {
      failure ??= errorMessage(winner.result);
      continue;
    }
    const result = winner.result as PartitionWorkResult;
    outcome.items += result.items;
    if (result.outcome === "stopped") outcome.stop ??= result.stop;
    else if (result.outcome === "failed") failure ??= result.message;
    else {
      for (const [partition, segment] of Object.entries(result.segments)) outcome.segments.set(Number(partition), segment);
      outcome.offTarget += result.offTarget ?? 0;
      outcome.partitionsDone += partitions.length;
      options.onDone?.(partitions, result);
    }
  }
  // A stop (a lost key, a refusal) outranks a failure a retry might cure.
  if (failure !== undefined && outcome.stop === undefined) throw new PartitionFailed(failure);
  return outcome;
}
