// Which inbox messages one episode consumes, the way the Azure Storage backend batches them: the
// messages of one instance that one control-queue dequeue brings (at most controlQueueBatchSize,
// 32 by default), in arrival order. Also which messages no longer apply and are dropped with it.
// The batch also stays within one table transaction: every consumed message is deleted in the
// episode's checkpoint, and their payloads go into its history row.
import { completedTaskId } from "./episode";
import type { InboxEntry } from "./historyStore";
import type { InstanceState } from "./instanceState";
import { EventType } from "./wire";

/** Inbox rows (messages and their overflow rows) deleted by one checkpoint, of the 100 operations a transaction allows. */
const MAX_BATCH_ROWS = 60;
/** JSON text of a batch's messages: keeps the checkpoint far below the 4 MiB a transaction carries. */
const MAX_BATCH_CHARS = 1_000_000;

export interface Batch {
  /** Messages to feed to the orchestrator, in order. */
  take: InboxEntry[];
  /** Messages to delete unread: completions of tasks no longer pending, duplicates, other executions' starts. */
  stale: InboxEntry[];
}

export function takeBatch(state: InstanceState, inbox: readonly InboxEntry[], maxMessages: number): Batch {
  const take: InboxEntry[] = [];
  const stale: InboxEntry[] = [];
  const answered = new Set<number>();
  let rows = 0;
  let chars = 0;
  for (const entry of inbox) {
    const first = take.length === 0 && stale.length === 0;
    if (take.length >= maxMessages || (!first && rows + entry.parts > MAX_BATCH_ROWS)) break;
    const taskId = completedTaskId(entry.event);
    if (isStale(state, entry) || (taskId !== undefined && answered.has(taskId))) {
      stale.push(entry);
      rows += entry.parts;
      continue;
    }
    const terminates = entry.event.EventType === EventType.ExecutionTerminated;
    // A termination gets an episode of its own; a batch stays within one transaction's size.
    if (take.length > 0 && (terminates || chars + entry.chars > MAX_BATCH_CHARS)) break;
    take.push(entry);
    rows += entry.parts;
    chars += entry.chars;
    if (taskId !== undefined) answered.add(taskId);
    if (terminates) break;
  }
  return { take, stale };
}

/** A completion for a task that is no longer pending, or a message for another execution. */
export function isStale(state: InstanceState, entry: InboxEntry): boolean {
  const taskId = completedTaskId(entry.event);
  if (taskId === undefined) return entry.event.EventType === EventType.ExecutionStarted && entry.executionId !== state.executionId;
  return entry.executionId !== state.executionId || state.pending[String(taskId)] === undefined;
}
