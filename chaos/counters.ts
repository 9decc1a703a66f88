// The campaign's tallies (operations by kind and outcome, faults by kind, writes and reads
// checked), printed at the end, and its violations, each with what was seen.
export class Counters {
  private readonly counts = new Map<string, number>();
  readonly violations: string[] = [];

  bump(name: string, by = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  violation(what: string): void {
    this.violations.push(what);
  }

  /** Every count whose name starts with the prefix, sorted by name. */
  entries(prefix = ""): [string, number][] {
    return [...this.counts].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => a.localeCompare(b));
  }

  sum(prefix: string): number {
    return this.entries(prefix).reduce((s, [, n]) => s + n, 0);
  }
}
