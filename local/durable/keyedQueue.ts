// Runs jobs one at a time per key (one orchestration instance), any number of keys at once.
// Everything that touches an instance goes through its queue, so episodes never interleave.
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** Queues `job` behind everything already queued for `key`; resolves with its result. */
  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(job);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key); // nothing queued behind it
    });
    return result;
  }

  /** Resolves when every job queued so far (on every key) has settled. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  get busyKeys(): number {
    return this.tails.size;
  }
}
