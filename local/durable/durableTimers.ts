// Arms the in-memory side of durable timers. The timer itself is durable (pending work in the
// instance state); this only decides when to deliver TimerFired. setTimeout cannot wait more than
// about 24.8 days, so long timers are re-armed in steps.
const MAX_DELAY_MS = 2 ** 31 - 1;

export class DurableTimers {
  private readonly handles = new Map<string, NodeJS.Timeout>();

  /** fireImmediately: deliver every timer at once (tests), the orchestration clock still jumps. */
  constructor(private readonly fireImmediately: boolean) {}

  arm(key: string, fireAt: string, onFire: () => void): void {
    this.cancel(key);
    const step = (): void => {
      const remaining = this.fireImmediately ? 0 : Date.parse(fireAt) - Date.now();
      if (remaining <= 0) {
        this.handles.delete(key);
        onFire();
        return;
      }
      this.handles.set(key, setTimeout(step, Math.min(remaining, MAX_DELAY_MS)));
    };
    this.handles.set(key, setTimeout(step, 0));
  }

  cancel(key: string): void {
    const handle = this.handles.get(key);
    if (handle) clearTimeout(handle);
    this.handles.delete(key);
  }

  /** Cancels every timer whose key starts with the prefix (one instance, one execution). */
  cancelPrefix(prefix: string): void {
    for (const key of [...this.handles.keys()]) if (key.startsWith(prefix)) this.cancel(key);
  }

  cancelAll(): void {
    for (const handle of this.handles.values()) clearTimeout(handle);
    this.handles.clear();
  }

  get armed(): number {
    return this.handles.size;
  }
}
