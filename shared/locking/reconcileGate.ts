// Reconciling a policy (a probe of its key, then the lock decision over its environments) is
// asked for by every failed data call, every failed operation step, events and timers. A burst of
// failures must not become a burst of probes and listings: per policy, at most one reconcile runs
// at a time and one starts per interval. A caller is never answered by a reconcile that started
// before it asked (that one may have probed before the vault began to refuse): callers that
// arrive while one runs share the next one, which starts when the running one ends and the
// interval since the last start has passed.
export interface ReconcileGateOptions {
  /** Least milliseconds between two starts for one key (read per run: settings may change). */
  minIntervalMs: () => number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Lane<T> {
  lastStart: number;
  running?: Promise<T>;
  queued?: Promise<T>;
}

export class ReconcileGate {
  private readonly lanes = new Map<string, Lane<unknown>>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Runs started, for tests and telemetry. */
  started = 0;

  constructor(private readonly options: ReconcileGateOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Runs `work` for `key` under the gate's rules; see the file comment. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    let lane = this.lanes.get(key) as Lane<T> | undefined;
    if (!lane) {
      lane = { lastStart: -Infinity };
      this.lanes.set(key, lane as Lane<unknown>);
    }
    if (lane.queued) return lane.queued;
    const l = lane;
    const before = l.running;
    const next = (async () => {
      // Yield first, so `queued` is set below before this body can clear it.
      await (before ? before.catch(() => undefined) : Promise.resolve());
      const wait = l.lastStart + this.options.minIntervalMs() - this.now();
      if (wait > 0) await this.sleep(wait);
      l.queued = undefined;
      l.lastStart = this.now();
      this.started++;
      const current = work();
      l.running = current;
      try {
        return await current;
      } finally {
        if (l.running === current) l.running = undefined;
      }
    })();
    l.queued = next;
    return next;
  }
}
