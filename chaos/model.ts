// What the workload knows about each record it wrote: the value of the last acknowledged write
// (or that it was deleted), plus the outcomes of later attempts that got no clear answer and may
// or may not have landed. A read is right when it shows one of those; a read of anything else is
// a violation (a lost acknowledged write, a deleted record back, a value never written).
// Attempts are sequential per environment, so there is no concurrency to reason about beyond the
// unanswered ones: one that got an HTTP answer (whatever its status) has finished on the server;
// one with no answer may still be running there unless keyward has restarted since.

export const DELETED = "<deleted>";
/** undefined: never written. */
export type Outcome = string | typeof DELETED | undefined;

interface Unsure {
  outcome: Outcome;
  /** The keyward process generation it was sent to; it cannot land once that process is gone. */
  generation: number;
  answered: boolean;
}

export class RecordModel {
  confirmed: Outcome = undefined;
  unsure: Unsure[] = [];

  acknowledged(outcome: Outcome, generation: number): void {
    this.confirmed = outcome;
    // What finished on the server before this ack is superseded; what may still be in flight stays possible.
    this.unsure = this.unsure.filter((u) => !u.answered && u.generation === generation);
  }

  attempted(outcome: Outcome, generation: number, answered: boolean): void {
    this.unsure.push({ outcome, generation, answered });
  }

  allowed(): Outcome[] {
    return [this.confirmed, ...this.unsure.map((u) => u.outcome)];
  }

  /** The read showed this outcome (a value, or DELETED for a 404): was it possible? If so, it is now the known state. */
  observe(outcome: Outcome): boolean {
    const possible = this.allowed().map((o) => o ?? DELETED);
    if (!possible.includes(outcome ?? DELETED)) return false;
    return true;
  }

  clone(): RecordModel {
    const c = new RecordModel();
    c.confirmed = this.confirmed;
    c.unsure = this.unsure.map((u) => ({ ...u }));
    return c;
  }
}

export class EnvironmentModel {
  readonly records = new Map<string, RecordModel>();

  record(id: string): RecordModel {
    let r = this.records.get(id);
    if (!r) this.records.set(id, (r = new RecordModel()));
    return r;
  }

  clone(): EnvironmentModel {
    const c = new EnvironmentModel();
    for (const [id, r] of this.records) c.records.set(id, r.clone());
    return c;
  }

  /** After a reset: every record gone, for certain. */
  static empty(ids: Iterable<string>): EnvironmentModel {
    const m = new EnvironmentModel();
    for (const id of ids) m.record(id).confirmed = DELETED;
    return m;
  }
}
