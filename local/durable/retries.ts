// callActivityWithRetry / callSubOrchestratorWithRetry, the way DurableTask's RetryInterceptor does
// it and durable-functions' RetryableTask expects it:
//   attempt fails  -> the host creates a back-off timer with its OWN sequence id, after EVERY failed
//                     attempt including the last one (RetryableTask allocates that id and waits on it);
//   timer fires    -> if attempts remain, the next attempt is scheduled under a new sequence id;
//                     otherwise nothing is scheduled and the JS side surfaces the last error.
// Both ids are allocated while the event is processed, before user code resumes, which is why the
// episode runs this before it schedules the orchestrator's new actions.
// retryTimeoutInMilliseconds is not applied: with the real extension it stops the timers, which
// leaves a JS orchestrator waiting forever, so no app can rely on it.
import { EventType, type HistoryEvent, type RetryPolicy } from "./wire";
import type { RetryState, Sequencing } from "./instanceState";
import type { WorkScheduler } from "./scheduling";

export function trackRetry(sequencing: Sequencing, taskId: number, policy: RetryPolicy, work: RetryState["work"]): void {
  sequencing.retries.push({ policy, attempt: 1, attemptTaskId: taskId, work });
}

/** Back-off before the attempt after `failedAttempt` (1-based), as RetryInterceptor computes it. */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number): number {
  const coefficient = policy.backoffCoefficient && policy.backoffCoefficient > 0 ? policy.backoffCoefficient : 1;
  const delay = policy.firstRetryIntervalInMilliseconds * Math.pow(coefficient, failedAttempt - 1);
  const cap = policy.maxRetryIntervalInMilliseconds && policy.maxRetryIntervalInMilliseconds > 0 ? policy.maxRetryIntervalInMilliseconds : Infinity;
  return Math.min(delay, cap);
}

/**
 * Lets a retry react to the event the episode is about to feed the orchestrator. Returns true when
 * the event belonged to a retry (it is still appended to history: the JS side needs to see it).
 */
export function advanceRetry(sequencing: Sequencing, event: HistoryEvent, now: string, scheduler: WorkScheduler): boolean {
  const isFailure = event.EventType === EventType.TaskFailed || event.EventType === EventType.SubOrchestrationInstanceFailed;
  const isTimer = event.EventType === EventType.TimerFired;
  if (!isFailure && !isTimer) {
    // A success ends the retry (if it was one).
    if (event.EventType === EventType.TaskCompleted || event.EventType === EventType.SubOrchestrationInstanceCompleted) {
      sequencing.retries = sequencing.retries.filter((r) => r.attemptTaskId !== event.TaskScheduledId || r.waitingTimerId !== undefined);
    }
    return false;
  }
  const retry = isFailure
    ? sequencing.retries.find((r) => r.waitingTimerId === undefined && r.attemptTaskId === event.TaskScheduledId)
    : sequencing.retries.find((r) => r.waitingTimerId === event.TimerId);
  if (!retry) return false;

  if (isFailure) {
    const fireAt = new Date(Date.parse(now) + retryDelayMs(retry.policy, retry.attempt)).toISOString();
    retry.waitingTimerId = scheduler.timer(fireAt);
    retry.attempt += 1;
    return true;
  }
  retry.waitingTimerId = undefined;
  if (retry.attempt > retry.policy.maxNumberOfAttempts) {
    sequencing.retries = sequencing.retries.filter((r) => r !== retry);
    return true;
  }
  const work = retry.work;
  retry.attemptTaskId =
    work.kind === "activity"
      ? scheduler.activity(work.name, work.input)
      : scheduler.subOrchestration(work.name, work.input, work.instanceId || undefined);
  return true;
}
