// Runs app.timer functions on their NCRONTAB schedules, with the Timer object the worker passes.
// Like the host: a schedule may name an app setting ("%CLEANUP_SCHEDULE%"), runOnStartup runs it
// once at start, and a run still in progress when the next occurrence comes makes that one skip.
import type { Timer } from "@azure/functions";
import { functionsByTrigger, requireFunction, type RegisteredFunction } from "./functionsCore";
import { createInvocationContext, type InvocationEnvironment } from "./invocation";
import { nextOccurrence, parseNcrontab, type CronSchedule } from "./ncrontab";

/** A run that starts later than this after its scheduled time reports isPastDue. */
const PAST_DUE_MS = 5000;

interface TimerEntry {
  fn: RegisteredFunction;
  schedule: CronSchedule;
  handle?: NodeJS.Timeout;
  next?: Date;
  last?: Date;
  running?: Promise<void>;
}

/** Resolves "%NAME%" from the environment, as the host resolves app settings in bindings. */
export function resolveSchedule(schedule: string): string {
  const m = /^%([^%]+)%$/.exec(schedule.trim());
  if (!m) return schedule;
  const value = process.env[m[1]];
  if (!value) throw new Error(`the timer schedule refers to app setting ${m[1]}, which is not set`);
  return value;
}

export class TimerTriggers {
  private readonly entries = new Map<string, TimerEntry>();
  private stopped = false;

  constructor(private readonly env: InvocationEnvironment) {}

  private get log(): InvocationEnvironment["log"] {
    return this.env.log;
  }

  /** Parses every timer function's schedule (a bad one fails here), runs runOnStartup ones, arms all. */
  start(): void {
    for (const fn of functionsByTrigger("timerTrigger")) {
      const entry = this.entry(fn.name);
      if (fn.trigger.runOnStartup === true) void this.invoke(entry, new Date(), false);
      this.arm(entry);
    }
  }

  /** Runs the timer function now (tests, or an admin's "run now") and waits for it. */
  async trigger(name: string): Promise<void> {
    const entry = this.entry(name);
    await this.invoke(entry, new Date(), true);
  }

  /** When the named timer runs next (undefined if it is not armed). */
  nextRun(name: string): Date | undefined {
    return this.entries.get(name)?.next;
  }

  /** How many timer functions are armed (0 after stop). */
  get armed(): number {
    return [...this.entries.values()].filter((e) => e.handle !== undefined).length;
  }

  async stop(timeoutMs = 5000): Promise<void> {
    this.stopped = true;
    const running: Promise<void>[] = [];
    for (const entry of this.entries.values()) {
      if (entry.handle) clearTimeout(entry.handle);
      entry.handle = undefined;
      if (entry.running) running.push(entry.running);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(running), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    if (timer) clearTimeout(timer);
  }

  private entry(name: string): TimerEntry {
    let entry = this.entries.get(name);
    if (!entry) {
      const fn = requireFunction(name, "timerTrigger");
      const expression = typeof fn.trigger.schedule === "string" ? fn.trigger.schedule : "";
      entry = { fn, schedule: parseNcrontab(resolveSchedule(expression)) };
      this.entries.set(name, entry);
    }
    return entry;
  }

  private arm(entry: TimerEntry): void {
    if (this.stopped) return;
    const next = nextOccurrence(entry.schedule, new Date());
    entry.next = next;
    // setTimeout cannot wait longer than ~24.8 days; re-arm in steps for rare schedules.
    const delay = Math.min(next.getTime() - Date.now(), 2 ** 31 - 1);
    entry.handle = setTimeout(() => {
      entry.handle = undefined;
      if (Date.now() + 5 < next.getTime()) return this.arm(entry);
      if (entry.running) this.log(`[${entry.fn.name}] skipped the ${next.toISOString()} run: the previous one is still running`);
      else void this.invoke(entry, next, false);
      this.arm(entry);
    }, Math.max(0, delay));
  }

  private invoke(entry: TimerEntry, scheduled: Date, manual: boolean): Promise<void> {
    const run = (async (): Promise<void> => {
      const now = new Date();
      const timer: Timer = {
        isPastDue: !manual && now.getTime() - scheduled.getTime() > PAST_DUE_MS,
        schedule: { adjustForDST: false },
        scheduleStatus: {
          last: (entry.last ?? new Date(0)).toISOString(),
          next: (entry.next ?? nextOccurrence(entry.schedule, now)).toISOString(),
          lastUpdated: now.toISOString(),
        },
      };
      entry.last = now;
      try {
        await entry.fn.callback(timer, createInvocationContext(entry.fn, this.env));
      } catch (err) {
        this.log(`[${entry.fn.name}] timer function failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        if (manual) throw err;
      }
    })();
    const tracked: Promise<void> = run
      .catch(() => undefined) // the manual caller gets the error; the schedule only needs to know it ended
      .finally(() => {
        if (entry.running === tracked) entry.running = undefined;
      });
    entry.running = tracked;
    return run;
  }
}
