// How failures travel as history events. durable-functions turns TaskFailed / SubOrchestration-
// InstanceFailed into the error the orchestrator catches: `${Reason} \n ${Details}` classically, or a
// TaskFailedError when the event carries FailureDetails (set when the app registered an exception
// properties provider: the activity wrapper then puts a JSON payload in the error message).
import { describeError } from "../invocation";
import { EventType, type FailureDetailsWire, type HistoryEvent } from "./wire";

interface ProviderPayload {
  errorType: string;
  errorMessage: string;
  stackTrace?: string;
  isNonRetriable?: boolean;
  properties?: Record<string, unknown>;
}

function providerPayload(message: string): ProviderPayload | undefined {
  if (!message.startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(message) as unknown;
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const p = parsed as Record<string, unknown>;
    if (typeof p.errorType !== "string" || typeof p.errorMessage !== "string") return undefined;
    return {
      errorType: p.errorType,
      errorMessage: p.errorMessage,
      stackTrace: typeof p.stackTrace === "string" ? p.stackTrace : undefined,
      isNonRetriable: p.isNonRetriable === true,
      properties: typeof p.properties === "object" && p.properties !== null ? (p.properties as Record<string, unknown>) : undefined,
    };
  } catch {
    return undefined;
  }
}

/** The TaskFailed event for an activity that threw. The stack stays in the log, not in the event. */
export function taskFailedEvent(taskId: number, err: unknown, timestamp: string): HistoryEvent {
  const message = describeError(err);
  const payload = providerPayload(message);
  const errorType = err instanceof Error ? err.name : "Error";
  const event: HistoryEvent = {
    EventType: EventType.TaskFailed,
    EventId: -1,
    Timestamp: timestamp,
    TaskScheduledId: taskId,
    Reason: payload ? payload.errorMessage : message,
    Details: payload ? payload.errorType : errorType,
  };
  if (payload) {
    const details: FailureDetailsWire = {
      ErrorType: payload.errorType,
      ErrorMessage: payload.errorMessage,
      StackTrace: payload.stackTrace,
      IsNonRetriable: payload.isNonRetriable,
      Properties: payload.properties,
    };
    event.FailureDetails = details;
  }
  return event;
}

export function taskCompletedEvent(taskId: number, result: unknown, timestamp: string): HistoryEvent {
  return { EventType: EventType.TaskCompleted, EventId: -1, Timestamp: timestamp, TaskScheduledId: taskId, Result: JSON.stringify(result ?? null) };
}

export function subOrchestrationCompletedEvent(taskId: number, output: unknown, timestamp: string): HistoryEvent {
  return { EventType: EventType.SubOrchestrationInstanceCompleted, EventId: -1, Timestamp: timestamp, TaskScheduledId: taskId, Result: JSON.stringify(output ?? null) };
}

export function subOrchestrationFailedEvent(taskId: number, reason: string, timestamp: string): HistoryEvent {
  return { EventType: EventType.SubOrchestrationInstanceFailed, EventId: -1, Timestamp: timestamp, TaskScheduledId: taskId, Reason: reason, Details: "" };
}

/**
 * An activity that ran past functionTimeout, as the Durable Task extension reports it for an
 * out-of-process worker (TaskActivityShim: FunctionTimeoutException becomes a task failure, so it
 * counts as a failed attempt for the orchestration's retry policy).
 */
export function activityTimedOutEvent(taskId: number, functionName: string, timeout: string, timestamp: string): HistoryEvent {
  return {
    EventType: EventType.TaskFailed,
    EventId: -1,
    Timestamp: timestamp,
    TaskScheduledId: taskId,
    Reason: `Activity function '${functionName}' failed: Timeout value of ${timeout} was exceeded by function: Functions.${functionName}`,
    Details: "Microsoft.Azure.WebJobs.Host.FunctionTimeoutException",
  };
}
