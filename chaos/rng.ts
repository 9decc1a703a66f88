// A seeded pseudo-random generator (mulberry32): the campaign draws every choice (which operation,
// which environment, which fault, how long) from it, so a seed replays the same schedule of
// choices. Timing on a shared machine still varies, so a seed reproduces the plan, not every
// interleaving; a violation names its seed so the same plan can be run again.
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[Math.floor(this.next() * items.length)];
  }

  /** One of the weighted choices: {name: weight}. */
  weighted<K extends string>(weights: Record<K, number>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [k, w] of entries) if ((r -= w) < 0) return k;
    return entries[entries.length - 1][0];
  }

  /** A child generator for an independent stream (workload, operations, faults), so one stream's draws do not shift another's. */
  fork(label: string): Rng {
    let h = this.seed ^ 0x85ebca6b;
    for (const c of label) h = Math.imul(h ^ c.charCodeAt(0), 0xcc9e2d51);
    return new Rng(h >>> 0);
  }
}
