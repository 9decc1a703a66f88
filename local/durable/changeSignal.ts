// Lets waiters sleep until something changed (a checkpoint) instead of polling on a fixed beat.
export class ChangeSignal {
  private readonly listeners = new Set<() => void>();

  /** Wakes everyone waiting. */
  notify(): void {
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener();
  }

  /** Resolves at the next notify(), or after maxWaitMs (changes made by other processes are not signalled). */
  next(maxWaitMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const listener = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        resolve();
      }, maxWaitMs);
      this.listeners.add(listener);
    });
  }
}
