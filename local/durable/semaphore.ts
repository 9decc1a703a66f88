// Caps how many jobs (activity functions, episodes) run at the same time, and remembers the most
// that ever ran at once.
export class Semaphore {
  private active = 0;
  private highWater = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`concurrency limit must be a positive integer, got ${limit}`);
  }

  async use<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    this.highWater = Math.max(this.highWater, this.active);
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // hand the slot over without releasing it
      else this.active--;
    }
  }

  get running(): number {
    return this.active;
  }

  /** The most jobs that ran at the same time so far. */
  get peak(): number {
    return this.highWater;
  }
}
