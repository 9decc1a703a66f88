// What a driven orchestration did, for tests to assert on: every activity attempt (name, input,
// attempt, clock, result), every custom status, every timer and sub-orchestration, and how the
// orchestration ended.
import type { ActivityCall, ActivityInput, ActivityName } from "./activityStubs";

export interface RunRecord {
  calls: ActivityCall[];
  customStatuses: { instanceId: string; status: unknown }[];
  timers: { instanceId: string; fireAt: string; createdAt: string }[];
  /** Every execution of every instance (continueAsNew starts the next one), with the tasks it yielded: its history's size. */
  executions: { instanceId: string; execution: number; yields: number; input: unknown }[];
  subOrchestrations: {
    name: string; instanceId: string; parentInstanceId: string; input: unknown;
    result?: { ok: true; output: unknown } | { ok: false; error: string };
  }[];
}

export type RunEnd<O> = { ok: true; output: O } | { ok: false; error: Error };

export class OrchestrationRun<O> {
  constructor(
    readonly instanceId: string,
    readonly record: RunRecord,
    /** The orchestration's clock when it ended. */
    readonly endedAt: Date,
    readonly end: RunEnd<O>,
  ) {}

  get status(): "Completed" | "Failed" {
    return this.end.ok ? "Completed" : "Failed";
  }

  /** The orchestration's output; throws (with its error) if it failed instead. */
  get output(): O {
    if (!this.end.ok) throw new Error(`The orchestration failed instead of completing: ${this.end.error.message}`);
    return this.end.output;
  }

  /** The error the orchestration failed with; throws if it completed. */
  get error(): Error {
    if (this.end.ok) throw new Error(`The orchestration completed (${JSON.stringify(this.end.output)}) instead of failing.`);
    return this.end.error;
  }

  get calls(): ActivityCall[] {
    return this.record.calls;
  }

  /** Every attempt at one activity, in order, typed by the activity. */
  callsTo<K extends ActivityName>(name: K, instanceId?: string): ActivityCall<K>[] {
    return this.record.calls.filter((c) => c.name === name && (instanceId === undefined || c.instanceId === instanceId)) as unknown as ActivityCall<K>[];
  }

  /** The input of every attempt at one activity, in order. */
  inputsTo<K extends ActivityName>(name: K, instanceId?: string): ActivityInput<K>[] {
    return this.callsTo(name, instanceId).map((c) => c.input);
  }

  /** The activities attempted, by name, in order. */
  activityNames(instanceId?: string): string[] {
    return this.record.calls.filter((c) => instanceId === undefined || c.instanceId === instanceId).map((c) => c.name);
  }

  /** The custom statuses one instance set (this run's own by default), in order. */
  customStatuses(instanceId: string = this.instanceId): unknown[] {
    return this.record.customStatuses.filter((s) => s.instanceId === instanceId).map((s) => s.status);
  }

  /** The instance's custom status at its end, as a status query would show it. */
  lastCustomStatus(instanceId: string = this.instanceId): unknown {
    return this.customStatuses(instanceId).at(-1);
  }

  /** The executions of one instance (this run's own by default), in order. */
  executions(instanceId: string = this.instanceId): RunRecord["executions"] {
    return this.record.executions.filter((e) => e.instanceId === instanceId);
  }

  /** The most tasks any one execution of any instance yielded (what its history grows with). */
  get largestExecution(): number {
    return Math.max(0, ...this.record.executions.map((e) => e.yields));
  }

  get timers(): RunRecord["timers"] {
    return this.record.timers;
  }

  get subOrchestrations(): RunRecord["subOrchestrations"] {
    return this.record.subOrchestrations;
  }
}
