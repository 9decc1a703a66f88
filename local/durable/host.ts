// The local durable host: drives orchestrations registered with df.app.orchestration through the
// real durable-functions replay engine and dispatches the work they schedule, as strictly as the
// Durable Task extension on its Azure Storage backend with extended sessions off:
//   - the table is the only copy of an instance: every episode loads the instance's state, history
//     and inbox from it and replays the whole history (nothing survives in memory between episodes);
//   - one episode consumes a batch of the instance's messages (up to controlQueueBatchSize);
//   - at most maxConcurrentOrchestratorFunctions episodes and maxConcurrentActivityFunctions
//     activities run at once; an activity past functionTimeout fails as the Functions host fails it.
//
// The rules that make a killed process resume correctly:
//   - every episode is checkpointed (one table transaction) BEFORE any work it scheduled starts;
//   - completions (activity results, fired timers, child outcomes, raised events) are written to
//     the instance's inbox BEFORE an episode consumes them;
//   - recover() re-dispatches pending work that has no completion in the inbox yet, so work that
//     finished before the kill is not repeated and work in flight runs again (at least once).
// What it keeps in memory is only what correctness needs: work in flight (so nothing is dispatched
// twice), armed timers, and one queue per instance so its episodes never interleave.
import { randomUUID } from "node:crypto";
import { getFunction } from "../functionsCore";
import { consoleSink, type LogSink } from "../invocation";
import { ActivityRunner } from "./activityRunner";
import { ChangeSignal } from "./changeSignal";
import { buildClientData, type DurableClientData } from "./clientData";
import { DEFAULT_CONTROL_QUEUE_BATCH_SIZE, DEFAULT_FUNCTION_TIMEOUT_MS, DEFAULT_TIMEOUT_GRACE_PERIOD_MS, defaultConcurrency } from "./defaults";
import { DurableTimers } from "./durableTimers";
import { completedTaskId, endEpisode, runEpisode, terminateEpisode, type EpisodeResult } from "./episode";
import { subOrchestrationCompletedEvent, subOrchestrationFailedEvent, taskFailedEvent } from "./failures";
import { CheckpointTooLargeError, HistoryStore, InstanceExistsError, type InboxEntry, type InboxMessage, type StateQuery, type StoredInstance } from "./historyStore";
import { takeBatch } from "./inboxBatch";
import { executionStartedEvent, isTerminal, newInstanceState, nextGeneration, type InstanceState, type ParentLink, type PendingWork } from "./instanceState";
import { KeyedQueue } from "./keyedQueue";
import { MetricsRecorder, type HostMetrics, type InstanceMetrics } from "./metrics";
import type { ScheduledWork } from "./scheduling";
import { Semaphore } from "./semaphore";
import { EventType, type HistoryEvent } from "./wire";
import type { StorageRef } from "../../shared/storage/clients";

export interface DurableHostOptions {
  /** The task hub's account: a connection string, or reached by identity. */
  storageConnectionString: StorageRef;
  taskHub: string;
  /** Activities running at the same time (default 10 x the processor count). */
  maxConcurrentActivityFunctions?: number;
  /** Episodes running at the same time, over all instances (default 10 x the processor count). */
  maxConcurrentOrchestratorFunctions?: number;
  /** functionTimeout for activities, in ms; Infinity for none (default 30 minutes). */
  functionTimeoutMs?: number;
  /** How long a timed-out activity may still finish before the worker restart kills the others (default 2 s). */
  timeoutGracePeriodMs?: number;
  /** Messages of one instance consumed by one episode (default and maximum 32). */
  controlQueueBatchSize?: number;
  /** Deliver durable timers at once instead of at their time (tests); the orchestration clock still jumps. */
  fireTimersImmediately?: boolean;
  log?: LogSink;
}

export type DeliveryResult = "accepted" | "notFound" | "gone";

export interface StartOptions {
  instanceId?: string;
  input?: unknown;
}

export { InstanceExistsError };
export class OrchestratorNotFoundError extends Error {}

const EPISODE_RETRY_LIMIT = 5;
/** After EPISODE_RETRY_LIMIT quick retries, an episode is retried this often. */
const EPISODE_SLOW_RETRY_MS = 10_000;
/** The longest wait between two attempts to store a completion. */
const COMPLETION_RETRY_MAX_MS = 5_000;

export class DurableHost {
  readonly taskHub: string;
  /** The task hub table as the engine uses it: every request counts in metrics(). */
  readonly store: HistoryStore;
  /** The same table for client reads (status, history, listing), which metrics() leaves out. */
  private readonly queries: HistoryStore;
  private readonly log: LogSink;
  private readonly batchSize: number;
  private readonly queue = new KeyedQueue();
  private readonly episodeSlots: Semaphore;
  private readonly recorder = new MetricsRecorder();
  /** Work this host has started and not yet seen complete: `${instanceId}|${executionId}|${taskId}`. */
  private readonly launched = new Set<string>();
  private readonly drainsQueued = new Set<string>();
  private readonly episodeFailures = new Map<string, number>();
  private readonly retryHandles = new Set<NodeJS.Timeout>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly changes = new ChangeSignal();
  private readonly timers: DurableTimers;
  private readonly activities: ActivityRunner;
  private origin: string | undefined;
  private stopped = false;

  constructor(options: DurableHostOptions) {
    this.taskHub = options.taskHub;
    this.log = options.log ?? consoleSink;
    this.store = new HistoryStore(options.storageConnectionString, options.taskHub, (id, kind) => this.recorder.storageCall(id, kind));
    this.queries = new HistoryStore(options.storageConnectionString, options.taskHub);
    this.batchSize = options.controlQueueBatchSize ?? DEFAULT_CONTROL_QUEUE_BATCH_SIZE;
    this.episodeSlots = new Semaphore(options.maxConcurrentOrchestratorFunctions ?? defaultConcurrency());
    this.timers = new DurableTimers(options.fireTimersImmediately === true);
    this.activities = new ActivityRunner(
      {
        concurrency: options.maxConcurrentActivityFunctions ?? defaultConcurrency(),
        timeoutMs: options.functionTimeoutMs ?? DEFAULT_FUNCTION_TIMEOUT_MS,
        gracePeriodMs: options.timeoutGracePeriodMs ?? DEFAULT_TIMEOUT_GRACE_PERIOD_MS,
      },
      { log: this.log, durableClientData: () => this.clientData() },
    );
  }

  /** Creates the task hub table if it is missing. */
  async start(): Promise<void> {
    await this.store.ensureTables();
  }

  /**
   * Where the durable HTTP API is served, needed for clientData(): the public origin of the
   * webhooks (/runtime/webhooks/durabletask/..., which need the extension's system key, as in
   * Azure) and the host's own loopback origin of the rpc API DurableClient calls (no key, as the
   * Functions host's internal listener).
   */
  setOrigin(origin: string, options: { rpcOrigin?: string; systemKey?: string } = {}): void {
    this.origin = origin.replace(/\/$/, "");
    this.rpcOrigin = (options.rpcOrigin ?? origin).replace(/\/$/, "");
    this.systemKey = options.systemKey;
  }

  /** The durabletask_extension system key the webhooks need (none: they need none). */
  systemKey: string | undefined;
  private rpcOrigin: string | undefined;

  get baseOrigin(): string {
    if (!this.origin) throw new Error("the durable host has no HTTP origin yet (setOrigin)");
    return this.origin;
  }

  /** The durableClient binding value: what df.getClient(context) builds its DurableClient from. */
  clientData(): DurableClientData {
    return buildClientData(this.baseOrigin, this.taskHub, { rpcOrigin: this.rpcOrigin, systemKey: this.systemKey });
  }

  // ---------------------------------------------------------------- metrics

  /** Counters of one instance (undefined if this host never touched it), or, without an id, of the whole host. */
  metrics(): HostMetrics;
  metrics(instanceId: string): InstanceMetrics | undefined;
  metrics(instanceId?: string): HostMetrics | InstanceMetrics | undefined {
    if (instanceId !== undefined) return this.recorder.instance(instanceId);
    const activity = this.activities.statistics;
    return {
      ...this.recorder.aggregate(),
      peakConcurrentEpisodes: this.episodeSlots.peak,
      peakConcurrentActivities: activity.peakConcurrent,
      activityTimeouts: activity.timeouts,
      workerRestarts: activity.workerRestarts,
    };
  }

  /** Counters summed over the instances whose id passes the filter (e.g. an orchestration and its children). */
  metricsWhere(filter: (instanceId: string) => boolean): InstanceMetrics & { instances: number } {
    return this.recorder.aggregate(filter);
  }

  // ---------------------------------------------------------------- client operations

  async startNew(name: string, options: StartOptions = {}, parent?: ParentLink): Promise<string> {
    if (getFunction(name)?.trigger.type !== "orchestrationTrigger") {
      throw new OrchestratorNotFoundError(`The function '${name}' doesn't exist or is not an orchestrator function.`);
    }
    const instanceId = options.instanceId || randomUUID().replace(/-/g, "");
    await this.queue.run(instanceId, async () => {
      const existing = await this.store.loadState(instanceId);
      if (existing && !isTerminal(existing.runtimeStatus)) {
        throw new InstanceExistsError(`An instance with ID '${instanceId}' already exists and is ${existing.runtimeStatus}.`);
      }
      if (existing) await this.forget(instanceId); // restarting a finished instance replaces it
      const now = new Date().toISOString();
      const state = newInstanceState({ instanceId, name, executionId: randomUUID(), input: options.input, now, parent });
      await this.store.create(state, { event: executionStartedEvent(state, now), executionId: state.executionId, first: true });
    });
    this.scheduleDrain(instanceId);
    return instanceId;
  }

  raiseEvent(instanceId: string, eventName: string, data: unknown): Promise<DeliveryResult> {
    const event: HistoryEvent = { EventType: EventType.EventRaised, EventId: -1, Timestamp: new Date().toISOString(), Name: eventName, Input: JSON.stringify(data ?? null) };
    return this.deliver(instanceId, { event });
  }

  terminate(instanceId: string, reason: unknown): Promise<DeliveryResult> {
    const event: HistoryEvent = { EventType: EventType.ExecutionTerminated, EventId: -1, Timestamp: new Date().toISOString(), Input: JSON.stringify(reason ?? null) };
    return this.deliver(instanceId, { event });
  }

  /** The instance as stored (undefined if there is none). */
  getState(instanceId: string): Promise<InstanceState | undefined> {
    return this.queries.loadState(instanceId);
  }

  /** The history events of the instance's current execution. */
  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    return (await this.queries.load(instanceId))?.history ?? [];
  }

  listInstances(query: StateQuery = {}): Promise<InstanceState[]> {
    return this.queries.listStates(query);
  }

  /** Deletes a finished instance and its history. False if there is none (or it is still running). */
  async purge(instanceId: string): Promise<boolean> {
    return this.queue.run(instanceId, async () => {
      const state = await this.store.loadState(instanceId);
      if (!state || !isTerminal(state.runtimeStatus)) return false;
      await this.forget(instanceId);
      return true;
    });
  }

  /** Purges every finished instance matching the query; returns how many. */
  async purgeBy(query: StateQuery): Promise<number> {
    let purged = 0;
    for (const state of await this.queries.listStates(query)) if (await this.purge(state.instanceId)) purged++;
    return purged;
  }

  /** Waits (by change notifications, not sleeps) until the instance has finished. */
  waitForCompletion(instanceId: string, timeoutMs = 30_000): Promise<InstanceState> {
    return this.waitForState(instanceId, (s) => isTerminal(s.runtimeStatus), timeoutMs, "finish");
  }

  /** Waits until the stored state of the instance satisfies the predicate. */
  async waitForState(instanceId: string, predicate: (state: InstanceState) => boolean, timeoutMs = 30_000, what = "reach the expected state"): Promise<InstanceState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Listen before reading, so a checkpoint between the read and the wait is not missed.
      const changed = this.changes.next(Math.min(1000, Math.max(0, deadline - Date.now())));
      const state = await this.queries.loadState(instanceId);
      if (state && predicate(state)) return state;
      if (Date.now() >= deadline) {
        throw new Error(`instance '${instanceId}' did not ${what} within ${timeoutMs} ms (status: ${state?.runtimeStatus ?? "none"})`);
      }
      await changed;
    }
  }

  /** Resumes every unfinished instance of the task hub, e.g. after the previous process was killed. */
  async recover(): Promise<number> {
    const unfinished = await this.store.listStates({ runtimeStatus: ["Pending", "Running"] });
    await Promise.all(
      unfinished.map((s) =>
        this.queue.run(s.instanceId, async () => {
          const rec = await this.store.load(s.instanceId);
          if (!rec || isTerminal(rec.state.runtimeStatus)) return;
          if (rec.staleRowKeys.length) this.cleanUpStaleRows(s.instanceId, rec.staleRowKeys);
          // Work whose completion is already in the inbox finished before the restart: do not redo it.
          const answered = new Set(rec.inbox.filter((e) => e.executionId === rec.state.executionId).map((e) => completedTaskId(e.event)));
          const work: ScheduledWork[] = Object.entries(rec.state.pending)
            .filter(([id]) => !answered.has(Number(id)))
            .map(([id, w]) => ({ taskId: Number(id), work: w }));
          this.dispatch(rec.state, work);
        }),
      ),
    );
    for (const s of unfinished) this.scheduleDrain(s.instanceId);
    if (unfinished.length) this.log(`[durable] recovered ${unfinished.length} unfinished instance(s) of task hub ${this.taskHub}`);
    return unfinished.length;
  }

  /** Stops dispatching, disarms timers and waits (at most timeoutMs) for what is in flight. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopped = true;
    this.timers.cancelAll();
    for (const handle of this.retryHandles) clearTimeout(handle);
    this.retryHandles.clear();
    let timer: NodeJS.Timeout | undefined;
    const settled = Promise.allSettled([...this.background, this.queue.idle()]);
    await Promise.race([settled, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    if (timer) clearTimeout(timer);
    this.changes.notify();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  // ---------------------------------------------------------------- inbox and episodes

  private async forget(instanceId: string): Promise<void> {
    this.timers.cancelPrefix(`${instanceId}|`);
    await this.store.deleteInstance(instanceId);
  }

  /**
   * Durably appends a message to a live instance's inbox, then lets it run. The write happens
   * outside the instance's queue, so completions are stored while an episode is running; whether
   * a message still applies is checked again when an episode consumes it.
   */
  private async deliver(instanceId: string, message: InboxMessage, accepts?: (state: InstanceState) => boolean): Promise<DeliveryResult> {
    const state = await this.store.loadState(instanceId);
    if (!state) return "notFound";
    if (isTerminal(state.runtimeStatus) || (accepts && !accepts(state))) return "gone";
    await this.store.appendInbox(instanceId, message);
    this.scheduleDrain(instanceId);
    return "accepted";
  }

  /** A completion for one task of one execution; ignored if that task is no longer pending. */
  private async complete(instanceId: string, executionId: string, event: HistoryEvent): Promise<DeliveryResult> {
    const taskId = completedTaskId(event);
    const stillPending = (state: InstanceState): boolean => state.executionId === executionId && taskId !== undefined && state.pending[String(taskId)] !== undefined;
    try {
      return await this.deliver(instanceId, { event, executionId }, stillPending);
    } catch (err) {
      if (!(err instanceof CheckpointTooLargeError) || taskId === undefined) throw err;
      // A result too large to store reaches the orchestration as a failure it can handle.
      const now = new Date().toISOString();
      const reason = `The result of task ${taskId} is too large to store: ${err.message}`;
      const failure = event.EventType === EventType.TaskCompleted ? taskFailedEvent(taskId, new Error(reason), now) : subOrchestrationFailedEvent(taskId, reason, now);
      return this.deliver(instanceId, { event: failure, executionId }, stillPending);
    }
  }

  /**
   * complete(), retried until the completion is stored (or the host stops): storage that is down
   * for a while must not lose an activity's result or a timer's firing, or the instance waits for
   * it forever. Azure's queues give the same guarantee (the work item reappears and runs again).
   */
  private async completeDurably(instanceId: string, executionId: string, event: HistoryEvent): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.complete(instanceId, executionId, event);
        return;
      } catch (err) {
        if (this.stopped) throw err;
        if (attempt % 10 === 0) this.log(`[durable] could not store a completion of ${instanceId} (attempt ${attempt + 1}), retrying: ${err instanceof Error ? err.message : String(err)}`);
        await new Promise((r) => setTimeout(r, Math.min(COMPLETION_RETRY_MAX_MS, 100 * 2 ** attempt)));
      }
    }
  }

  private scheduleDrain(instanceId: string): void {
    if (this.stopped || this.drainsQueued.has(instanceId)) return;
    this.drainsQueued.add(instanceId);
    this.track(
      this.queue.run(instanceId, async () => {
        this.drainsQueued.delete(instanceId);
        if (this.stopped) return;
        const more = await this.episodeSlots.use(() => this.processNext(instanceId));
        this.episodeFailures.delete(instanceId);
        if (more) this.scheduleDrain(instanceId); // one batch per turn: other instances' work may queue in between
      }).catch((err: unknown) => this.onEpisodeError(instanceId, err)),
    );
  }

  private onEpisodeError(instanceId: string, err: unknown): void {
    const failures = (this.episodeFailures.get(instanceId) ?? 0) + 1;
    this.episodeFailures.set(instanceId, failures);
    this.log(`[durable] episode of instance ${instanceId} failed (attempt ${failures}): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (this.stopped) return; // recover() picks it up again at the next start
    // Past the limit it keeps trying, slowly, as a control-queue message reappears after its
    // visibility timeout: an instance whose episodes failed while storage was down resumes once
    // storage is back, without waiting for a restart.
    const handle = setTimeout(() => {
      this.retryHandles.delete(handle);
      this.scheduleDrain(instanceId);
    }, failures >= EPISODE_RETRY_LIMIT ? EPISODE_SLOW_RETRY_MS : 200 * 2 ** failures);
    this.retryHandles.add(handle);
  }

  /**
   * Loads the instance from the table and consumes the next batch of its inbox in one episode.
   * Returns whether messages are still waiting.
   */
  private async processNext(instanceId: string): Promise<boolean> {
    const rec = await this.store.load(instanceId);
    if (!rec || rec.inbox.length === 0) return false;
    if (isTerminal(rec.state.runtimeStatus)) {
      await this.store.dropInbox(instanceId, rec.inbox); // a finished instance consumes nothing more
      return false;
    }
    const { take, stale } = takeBatch(rec.state, rec.inbox, this.batchSize);
    if (take.length === 0) {
      await this.store.dropInbox(instanceId, stale);
      return rec.inbox.length > stale.length;
    }
    let batch = take;
    for (;;) {
      try {
        const result = await this.episodeOrFailure(rec, batch);
        await this.commit(rec, batch, stale, result);
        return result.continueAsNew !== undefined || rec.inbox.length > batch.length + stale.length;
      } catch (err) {
        if (!(err instanceof CheckpointTooLargeError)) throw err;
        if (batch.length > 1) {
          batch = batch.slice(0, 1); // too much for one transaction together: take them one at a time
          continue;
        }
        // Storing it is impossible, retrying would not help: fail the instance, keep the event's shape only.
        const { Result: _r, Input: _i, ...slim } = batch[0].event;
        const failed = endEpisode(rec.state, [slim], episodeTime(rec.state, [batch[0].event]), "Failed", `Orchestrator function '${rec.state.name}' failed: ${err.message}`);
        await this.commit(rec, batch, stale, failed);
        return rec.inbox.length > batch.length + stale.length;
      }
    }
  }

  /** The episode for a batch; an orchestrator the host cannot run ends the instance instead of failing forever. */
  private async episodeOrFailure(rec: StoredInstance, batch: readonly InboxEntry[]): Promise<EpisodeResult> {
    const events = batch.map((e) => e.event);
    const now = episodeTime(rec.state, events);
    if (events[0].EventType === EventType.ExecutionTerminated) return terminateEpisode(rec.state, events[0], now);
    const orchestrator = getFunction(rec.state.name);
    if (!orchestrator || orchestrator.trigger.type !== "orchestrationTrigger") {
      return endEpisode(rec.state, events, now, "Failed", `The orchestrator function '${rec.state.name}' is not registered.`);
    }
    try {
      return await runEpisode({ state: rec.state, history: rec.history, events, now, orchestrator, log: this.log });
    } catch (err) {
      // Replaying again would fail the same way: end the instance instead of retrying forever.
      const message = `the local durable host could not run the orchestrator: ${err instanceof Error ? err.message : String(err)}`;
      this.log(`[durable] ${rec.state.instanceId}: ${err instanceof Error ? (err.stack ?? message) : message}`);
      return endEpisode(rec.state, events, now, "Failed", `Orchestrator function '${rec.state.name}' failed: ${message}`);
    }
  }

  /** Checkpoints the episode, then (and only then) starts its side effects. */
  private async commit(rec: StoredInstance, batch: readonly InboxEntry[], stale: readonly InboxEntry[], result: EpisodeResult): Promise<void> {
    const before = rec.state;
    const next = result.continueAsNew ? nextGeneration(result.state, result.continueAsNew.input, randomUUID()) : result.state;
    const enqueue: InboxMessage[] = result.continueAsNew
      ? [{ event: executionStartedEvent(next, result.state.lastUpdatedTime), executionId: next.executionId, first: true }]
      : [];
    await this.store.checkpoint({
      state: next,
      expectedEtag: rec.etag,
      previousStateParts: rec.stateParts,
      history: { generation: before.generation, episode: result.state.episodes, events: result.newEvents },
      consumed: [...batch, ...stale],
      enqueue,
    });
    this.recorder.episode(before.instanceId, rec.history.length, batch.length);

    for (const id of result.canceledTimerIds) this.timers.cancel(workKey(before.instanceId, before.executionId, id));
    if (result.continueAsNew || isTerminal(next.runtimeStatus)) this.timers.cancelPrefix(`${before.instanceId}|${before.executionId}|`);
    if (result.continueAsNew) this.cleanUpStaleRows(before.instanceId, []); // old history rows are garbage now
    if (isTerminal(next.runtimeStatus) && next.parent) this.reportToParent(next);
    this.dispatch(next, result.newWork);
    this.changes.notify();
  }

  // ---------------------------------------------------------------- dispatching work

  private dispatch(state: InstanceState, work: readonly ScheduledWork[]): void {
    if (this.stopped) return;
    for (const { taskId, work: w } of work) {
      const key = workKey(state.instanceId, state.executionId, taskId);
      if (this.launched.has(key)) continue;
      this.launched.add(key);
      this.launch(state, taskId, w, key);
    }
  }

  private launch(state: InstanceState, taskId: number, work: PendingWork, key: string): void {
    const { instanceId, executionId } = state;
    switch (work.kind) {
      case "activity":
        this.track(
          this.activities
            .run(work.name, work.input, instanceId, taskId)
            // Persisted even while stopping: a result already paid for need not run again after a restart.
            .then((event) => this.completeDurably(instanceId, executionId, event))
            .finally(() => this.launched.delete(key)),
        );
        return;
      case "timer":
        this.timers.arm(key, work.fireAt, () => {
          this.launched.delete(key);
          const event: HistoryEvent = { EventType: EventType.TimerFired, EventId: -1, Timestamp: new Date().toISOString(), TimerId: taskId, FireAt: work.fireAt };
          this.track(this.completeDurably(instanceId, executionId, event));
        });
        return;
      case "subOrchestration":
        this.track(this.startChild({ instanceId, executionId, name: state.name, taskId }, work).finally(() => this.launched.delete(key)));
        return;
    }
  }

  /** Starts a sub-orchestration, or recognizes the one this parent task started before a restart. */
  private async startChild(parent: ParentLink, work: Extract<PendingWork, { kind: "subOrchestration" }>): Promise<void> {
    const childId = work.instanceId;
    const existing = await this.store.loadState(childId);
    const ours =
      existing?.parent?.instanceId === parent.instanceId && existing.parent.executionId === parent.executionId && existing.parent.taskId === parent.taskId;
    if (existing && ours) {
      if (isTerminal(existing.runtimeStatus)) this.reportToParent(existing);
      return; // still running: it reports when it finishes
    }
    try {
      await this.startNew(work.name, { instanceId: childId, input: work.input }, parent);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      await this.complete(parent.instanceId, parent.executionId, subOrchestrationFailedEvent(parent.taskId, reason, new Date().toISOString()));
    }
  }

  private reportToParent(child: InstanceState): void {
    const parent = child.parent;
    if (!parent) return;
    const now = new Date().toISOString();
    const event =
      child.runtimeStatus === "Completed"
        ? subOrchestrationCompletedEvent(parent.taskId, child.output, now)
        : subOrchestrationFailedEvent(parent.taskId, typeof child.output === "string" ? child.output : `Sub-orchestration '${child.instanceId}' ended ${child.runtimeStatus}: ${JSON.stringify(child.output)}`, now);
    this.track(this.complete(parent.instanceId, parent.executionId, event));
  }

  private cleanUpStaleRows(instanceId: string, knownStale: string[]): void {
    const job = async (): Promise<void> => {
      const keys = knownStale.length ? knownStale : ((await this.store.load(instanceId))?.staleRowKeys ?? []);
      if (keys.length) await this.store.deleteRows(instanceId, keys);
    };
    this.track(job().catch((err: unknown) => this.log(`[durable] could not delete old history of ${instanceId}: ${String(err)}`)));
  }

  // ---------------------------------------------------------------- bookkeeping

  private track(promise: Promise<unknown>): void {
    const settled = promise.catch((err: unknown) => this.log(`[durable] background work failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
    this.background.add(settled);
    void settled.finally(() => this.background.delete(settled));
  }
}

function workKey(instanceId: string, executionId: string, taskId: number): string {
  return `${instanceId}|${executionId}|${taskId}`;
}

/** The episode's clock: never backwards, and at least the FireAt of every timer that fired. */
function episodeTime(state: InstanceState, events: readonly HistoryEvent[]): string {
  let t = Math.max(Date.now(), Date.parse(state.clock));
  for (const event of events) if (event.EventType === EventType.TimerFired && event.FireAt) t = Math.max(t, Date.parse(event.FireAt));
  return new Date(t).toISOString();
}
