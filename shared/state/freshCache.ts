// A read-through cache whose entries are never older than a fixed bound: what the data path uses
// for state that other instances may change (an environment's lock and status, a membership, a
// key ring). The age is counted from the moment the load *started*, so a change committed after
// that moment is seen by every reader at most `maxAgeMs` later (plus one read's time), whatever
// the load's latency. Concurrent readers of a missing or expired entry share one load
// (single flight). A load that fails, or finds nothing, is not kept: the next reader asks again,
// so a grant or a newly created environment is visible at once.
import { needs } from "../errors";

interface Entry<T> {
  startedAt: number;
  value: Promise<T | undefined>;
}

export interface FreshCacheOptions {
  /** How old a served value may be; 0 turns caching off (every read loads). */
  maxAgeMs: number;
  /** Entries kept at most; the oldest go first. */
  maxEntries?: number;
  now?: () => number;
}

export class FreshCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(private readonly options: FreshCacheOptions) {
    needs(Number.isFinite(options.maxAgeMs) && options.maxAgeMs >= 0, "a fresh cache's maximum age is a number of milliseconds, 0 or more");
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  get maxAgeMs(): number {
    return this.options.maxAgeMs;
  }

  /** The value loaded at most maxAgeMs ago, or a new load's. */
  get(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    if (this.options.maxAgeMs === 0) return load();
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry && now - entry.startedAt < this.options.maxAgeMs) return entry.value;
    const fresh: Entry<T> = { startedAt: now, value: load() };
    this.entries.delete(key);
    this.entries.set(key, fresh);
    fresh.value.then(
      (value) => {
        if (value === undefined && this.entries.get(key) === fresh) this.entries.delete(key);
      },
      () => {
        if (this.entries.get(key) === fresh) this.entries.delete(key);
      },
    );
    this.evict();
    return fresh.value;
  }

  /** Replaces an entry with a value known to be current (read just now by the caller). */
  set(key: string, value: T, startedAt = this.now()): void {
    if (this.options.maxAgeMs === 0) return;
    this.entries.delete(key);
    this.entries.set(key, { startedAt, value: Promise.resolve(value) });
    this.evict();
  }

  /** Drops an entry this instance knows to be out of date. */
  forget(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private evict(): void {
    // Map iteration is insertion order, and get/set re-insert: the first keys are the oldest loads.
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
