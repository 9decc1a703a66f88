// Stub activities, typed by the real activity table: a stub takes the real activity's input and
// returns its output (or throws, as a failed attempt), so a stub that drifts from the activity it
// stands for is a compile error (tsconfig.test.json). Only the table's type is imported: no
// activity code, and none of its I/O, loads into these tests.
import type { ActivityTable } from "../../../activities";

export type ActivityName = keyof ActivityTable;
export type ActivityInput<K extends ActivityName> = Parameters<ActivityTable[K]>[0];
export type ActivityOutput<K extends ActivityName> = Awaited<ReturnType<ActivityTable[K]>>;

/** What a stub is told about the call besides its input. */
export interface ActivityAttempt {
  /** 1 for the first attempt, 2 for its first retry, ... */
  attempt: number;
  /** The orchestration instance that called it (a sub-orchestration has its own). */
  instanceId: string;
  /** The orchestration's clock when the attempt started (ISO). */
  at: string;
}

export type ActivityStub<K extends ActivityName> = (input: ActivityInput<K>, call: ActivityAttempt) => ActivityOutput<K> | Promise<ActivityOutput<K>>;

export type ActivityStubs = { [K in ActivityName]?: ActivityStub<K> };

/** One attempt at an activity, as the driver recorded it. */
export type ActivityCall<K extends ActivityName = ActivityName> = {
  [N in K]: {
    name: N;
    input: ActivityInput<N>;
    attempt: number;
    instanceId: string;
    /** The orchestration's clock when the attempt started (ISO). */
    at: string;
    result: { ok: true; output: ActivityOutput<N> } | { ok: false; error: string };
  };
}[K];

/** A stub that always throws `message` (every attempt fails). */
export function alwaysThrows(message: string): () => never {
  return () => { throw new Error(message); };
}
