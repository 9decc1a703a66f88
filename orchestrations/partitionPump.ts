// The one partition pump: works a set of partitions through, page by page, at most `parallelism`
// at a time. Each call returns a checkpoint (a cursor) or says the partition is done; a replay
// or a rerun resumes from the last checkpoint the history holds, so no activity runs for minutes.
// Every long operation that walks an environment's partitions (re-encryption, backup, restore,
// copy) goes through here: it is the one place to change how partitions are scheduled.
import type { OrchestrationContext, Task } from "durable-functions";
import { all, type TypedTask } from "./activityProxy";
import type { Sent } from "./orchestrator";

export type PumpVerdict<C, S> = { done: true } | { done: false; cursor: C } | { stop: S };

export interface PumpOptions<P, C, R, S> {
  partitions: readonly P[];
  parallelism: number;
  /** Schedules the next page of a partition (cursor undefined: from its start). */
  start(partition: P, cursor: C | undefined): TypedTask<R>;
  /** Reads a page's result: the partition's next cursor, done, or a reason to stop everything. */
  settle(partition: P, result: R): PumpVerdict<C, S>;
  /** After every wave of pages (progress). */
  afterWave?(): Generator<Task, void, Sent>;
}

/** Returns the first stop reason a page gave, or undefined when every partition is done. */
export function* pumpPartitions<P, C, R, S>(context: OrchestrationContext, options: PumpOptions<P, C, R, S>): Generator<Task, S | undefined, Sent> {
  const queue = [...options.partitions];
  let active: { partition: P; cursor?: C }[] = [];
  while (queue.length > 0 || active.length > 0) {
    while (active.length < options.parallelism && queue.length > 0) active.push({ partition: queue.shift()! });
    const results = yield* all(context, active.map((a) => options.start(a.partition, a.cursor)));
    const next: typeof active = [];
    for (let i = 0; i < results.length; i++) {
      const verdict = options.settle(active[i].partition, results[i]);
      if ("stop" in verdict) return verdict.stop;
      if (!verdict.done) next.push({ partition: active[i].partition, cursor: verdict.cursor });
    }
    active = next;
    if (options.afterWave) yield* options.afterWave();
  }
  return undefined;
}
