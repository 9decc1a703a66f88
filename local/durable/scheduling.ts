// Turns "the orchestration now waits on task N" into the history event that records it
// (TaskScheduled, TimerCreated, SubOrchestrationInstanceCreated) plus the pending work the host
// dispatches after the checkpoint. The sequence ids are the ones durable-functions allocated.
import { EventType, type HistoryEvent } from "./wire";
import type { InstanceState, PendingWork } from "./instanceState";

export interface ScheduledWork {
  taskId: number;
  work: PendingWork;
}

/** Collects what one episode schedules. Mutates the (episode's private copy of the) state. */
export class WorkScheduler {
  readonly events: HistoryEvent[] = [];
  readonly newWork: ScheduledWork[] = [];

  constructor(
    private readonly state: InstanceState,
    private readonly now: string,
  ) {}

  activity(taskId: number, name: string, input: unknown): void {
    this.events.push({ EventType: EventType.TaskScheduled, EventId: taskId, Timestamp: this.now, Name: name, Input: JSON.stringify(input ?? null) });
    this.addPending(taskId, { kind: "activity", name, input: input ?? null });
  }

  timer(taskId: number, fireAt: string): void {
    this.events.push({ EventType: EventType.TimerCreated, EventId: taskId, Timestamp: this.now, FireAt: fireAt });
    this.addPending(taskId, { kind: "timer", fireAt });
  }

  /** A timer the orchestration canceled in the same episode it created it: recorded, never armed. */
  canceledTimer(taskId: number, fireAt: string): void {
    this.events.push({ EventType: EventType.TimerCreated, EventId: taskId, Timestamp: this.now, FireAt: fireAt });
  }

  subOrchestration(taskId: number, name: string, input: unknown, fixedInstanceId: string | undefined): void {
    const instanceId = fixedInstanceId || this.childInstanceId(taskId);
    this.events.push({
      EventType: EventType.SubOrchestrationInstanceCreated,
      EventId: taskId,
      Timestamp: this.now,
      Name: name,
      InstanceId: instanceId,
      Input: JSON.stringify(input ?? null),
    });
    this.addPending(taskId, { kind: "subOrchestration", name, instanceId, input: input ?? null });
  }

  /** Deterministic child id: unique per parent, execution generation and sequence id. */
  private childInstanceId(taskId: number): string {
    return `${this.state.instanceId}:${this.state.generation}:${taskId}`;
  }

  private addPending(taskId: number, work: PendingWork): void {
    this.state.pending[String(taskId)] = work;
    this.newWork.push({ taskId, work });
  }
}
