// Runs one activity function the way the worker would: its registered handler, an
// InvocationContext whose triggerMetadata carries the orchestration's instanceId, at most
// maxConcurrentActivityFunctions at a time, each within functionTimeout. Always answers with the
// completion event, never throws.
//
// A timeout is handled as the Functions host and the Durable Task extension handle it for a Node
// worker (found in their sources: azure-functions-host WebScriptHostExceptionHandler, the
// extension's TaskActivityShim / FunctionExecutionHelper):
//   - at functionTimeout the invocation fails with FunctionTimeoutException; the extension turns it
//     into TaskFailed, an ordinary failed attempt for the orchestration's retry policy (the
//     message is not redelivered). Its slot is free again;
//   - the host then waits a grace period for the invocation; if it is still running, it restarts
//     the worker process. Every other invocation on that worker dies with it, and the host only
//     reports each of them when its own functionTimeout elapses (as a timeout failure too).
// This process cannot kill JavaScript that is still running: an abandoned invocation goes on in
// the background, but whatever it returns is thrown away, never delivered.
import { requireFunction } from "../functionsCore";
import { createInvocationContext, type InvocationEnvironment } from "../invocation";
import { formatTimeSpan } from "../timeSpan";
import { activityTimedOutEvent, taskCompletedEvent, taskFailedEvent } from "./failures";
import { Semaphore } from "./semaphore";
import { jsonRoundTrip, type HistoryEvent } from "./wire";

export interface ActivityLimits {
  /** Activities running at once (maxConcurrentActivityFunctions). */
  concurrency: number;
  /** functionTimeout; Infinity for none. */
  timeoutMs: number;
  /** How long a timed-out invocation may still finish before the worker is restarted. */
  gracePeriodMs: number;
}

export interface ActivityStats {
  peakConcurrent: number;
  timeouts: number;
  workerRestarts: number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

interface Attempt {
  /** Its outcome no longer counts: it timed out, or the worker it ran on was restarted. */
  abandoned: boolean;
}

export class ActivityRunner {
  private readonly slots: Semaphore;
  /** Invocations on the current worker whose completion has not been reported yet. */
  private readonly inFlight = new Set<Attempt>();
  private readonly stats: ActivityStats = { peakConcurrent: 0, timeouts: 0, workerRestarts: 0 };

  constructor(
    private readonly limits: ActivityLimits,
    private readonly env: InvocationEnvironment,
  ) {
    this.slots = new Semaphore(limits.concurrency);
  }

  run(name: string, input: unknown, instanceId: string, taskId: number): Promise<HistoryEvent> {
    return this.slots.use(() => this.attempt(name, input, instanceId, taskId));
  }

  get running(): number {
    return this.slots.running;
  }

  get statistics(): ActivityStats {
    return { ...this.stats, peakConcurrent: this.slots.peak };
  }

  private attempt(name: string, input: unknown, instanceId: string, taskId: number): Promise<HistoryEvent> {
    return new Promise<HistoryEvent>((resolve) => {
      const attempt: Attempt = { abandoned: false };
      this.inFlight.add(attempt);
      let deadline: NodeJS.Timeout | undefined;
      const report = (event: HistoryEvent): void => {
        if (!this.inFlight.delete(attempt)) return; // reported already
        if (deadline) clearTimeout(deadline);
        resolve(event);
      };
      const invocation = this.invoke(name, input, instanceId, taskId);
      void invocation.then((event) => {
        if (!attempt.abandoned) report(event);
      });
      // Past setTimeout's range (about 24.8 days) Node would fire at once: treat it as no limit.
      if (!(this.limits.timeoutMs <= MAX_TIMER_MS)) return;
      deadline = setTimeout(() => {
        const killedEarlier = attempt.abandoned;
        attempt.abandoned = true;
        this.stats.timeouts++;
        const timeout = formatTimeSpan(this.limits.timeoutMs);
        this.env.log(`[${name}] Timeout value of ${timeout} exceeded by function 'Functions.${name}' (instance ${instanceId}, task ${taskId}); its result will be discarded`);
        report(activityTimedOutEvent(taskId, name, timeout, new Date().toISOString()));
        if (!killedEarlier) this.restartWorkerUnlessFinished(name, invocation);
      }, this.limits.timeoutMs);
      deadline.unref(); // a pending deadline alone must not keep the process alive
    });
  }

  private restartWorkerUnlessFinished(name: string, invocation: Promise<unknown>): void {
    let finished = false;
    void invocation.then(() => (finished = true));
    const grace = setTimeout(() => {
      if (finished) return;
      this.stats.workerRestarts++;
      const victims = [...this.inFlight].filter((a) => !a.abandoned);
      for (const victim of victims) victim.abandoned = true;
      this.env.log(
        `[durable] A function timeout has occurred (${name}): restarting the worker; ${victims.length} other activity invocation(s) on it are lost and fail at their own timeout`,
      );
      // They stay in flight: the host reports each one only when its own deadline fires.
    }, this.limits.gracePeriodMs);
    grace.unref();
  }

  private async invoke(name: string, input: unknown, instanceId: string, taskId: number): Promise<HistoryEvent> {
    try {
      const f = requireFunction(name, "activityTrigger");
      const context = createInvocationContext(f, this.env, { instanceId });
      // The input and the result each cross a JSON boundary in the real host too.
      const result = await f.callback(jsonRoundTrip(input) ?? null, context);
      return taskCompletedEvent(taskId, jsonRoundTrip(result), new Date().toISOString());
    } catch (err) {
      this.env.log(`[${name}] activity failed for instance ${instanceId}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return taskFailedEvent(taskId, err, new Date().toISOString());
    }
  }
}
