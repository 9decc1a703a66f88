// The JSON the extension's HTTP API answers for an instance (DurableOrchestrationStatus shape),
// including the condensed `historyEvents` list it returns with showHistory=true.
import type { InstanceState } from "./instanceState";
import { EventType, eventTypeName, type HistoryEvent } from "./wire";

export interface StatusOptions {
  showInput?: boolean;
  history?: readonly HistoryEvent[];
  showHistoryOutput?: boolean;
}

export interface StatusJson {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: Array<Record<string, unknown>>;
}

/** The extension reports times without fractional seconds. */
function wholeSeconds(iso: string): string {
  return iso.replace(/\.\d+Z$/, "Z");
}

export function toStatusJson(state: InstanceState, options: StatusOptions = {}): StatusJson {
  const status: StatusJson = {
    name: state.name,
    instanceId: state.instanceId,
    runtimeStatus: state.runtimeStatus,
    input: options.showInput === false ? null : state.input,
    customStatus: state.customStatus,
    output: state.output,
    createdTime: wholeSeconds(state.createdTime),
    lastUpdatedTime: wholeSeconds(state.lastUpdatedTime),
  };
  if (options.history) status.historyEvents = condenseHistory(options.history, options.showHistoryOutput === true);
  return status;
}

function parseJson(text: string | null | undefined): unknown {
  if (text === undefined || text === null || text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Like the extension: episode markers dropped, a completion merged with what it completes
 * (FunctionName, ScheduledTime), still-open TaskScheduled/TimerCreated/SubOrchestration events
 * kept, results only with showHistoryOutput.
 */
export function condenseHistory(events: readonly HistoryEvent[], showOutput: boolean): Array<Record<string, unknown>> {
  const scheduled = new Map<number, HistoryEvent>();
  const completed = new Set<number>();
  for (const e of events) {
    if (e.EventType === EventType.TaskScheduled || e.EventType === EventType.SubOrchestrationInstanceCreated || e.EventType === EventType.TimerCreated) {
      scheduled.set(e.EventId, e);
    }
    const answered = e.TaskScheduledId ?? e.TimerId;
    if (answered !== undefined) completed.add(answered);
  }
  const out: Array<Record<string, unknown>> = [];
  for (const e of events) {
    if (e.EventType === EventType.OrchestratorStarted || e.EventType === EventType.OrchestratorCompleted) continue;
    if (scheduled.get(e.EventId) === e && completed.has(e.EventId)) continue; // shown with its completion
    const item: Record<string, unknown> = { EventType: eventTypeName(e.EventType), Timestamp: e.Timestamp };
    const origin = scheduled.get(e.TaskScheduledId ?? e.TimerId ?? -2);
    if (origin) {
      item.ScheduledTime = origin.Timestamp;
      if (origin.Name) item.FunctionName = origin.Name;
    }
    if (e.EventType === EventType.ExecutionStarted || e.EventType === EventType.TaskScheduled || e.EventType === EventType.SubOrchestrationInstanceCreated) {
      item.FunctionName = e.Name;
      if (showOutput) item.Input = parseJson(e.Input);
    }
    if (e.EventType === EventType.EventRaised) {
      item.Name = e.Name;
      if (showOutput) item.Input = parseJson(e.Input);
    }
    if (e.InstanceId) item.InstanceId = e.InstanceId;
    if (e.FireAt) item.FireAt = e.FireAt;
    if (e.Reason !== undefined) item.Reason = e.Reason;
    if (e.OrchestrationStatus) item.OrchestrationStatus = e.OrchestrationStatus;
    if (showOutput && e.Result !== undefined) item.Result = parseJson(e.Result);
    if (e.EventType === EventType.ExecutionTerminated && showOutput) item.Input = parseJson(e.Input);
    out.push(item);
  }
  return out;
}
