// The steady data workload: one sequential worker per environment writing, deleting and reading
// a fixed set of records, remembering every acknowledged write (model.ts) and checking every read
// against what it remembers. A worker can be paused (an operation that replaces the data, such
// as restore, copy or reset, runs with its environments' workers paused, so the model knows what
// the data is once it ends).
import type { Api } from "./api";
import type { KeywardProcess } from "./processes";
import { DELETED, EnvironmentModel, type Outcome } from "./model";
import type { Rng } from "./rng";
import type { Environment } from "./world";
import type { Counters } from "./counters";

/** Every value carries this marker: the plaintext scan of storage looks for it. */
export const PLAINTEXT_MARKER = "CHAOSPLAINTEXT";
export const TABLE = "chaos";

export class Worker {
  model = new EnvironmentModel();
  private pauses = 0;
  private idle: Promise<void> = Promise.resolve();
  private stopped = false;
  private counter = 0;
  /** True once an operation that replaces the data failed: the data is unknown until it is rerun to success. */
  dirty = false;

  constructor(
    readonly env: Environment,
    private readonly api: Api,
    private readonly keyward: KeywardProcess,
    private readonly rng: Rng,
    private readonly counters: Counters,
    private readonly recordIds: string[],
    private readonly violation: (what: string) => void,
  ) {}

  /** Waits until no step is in flight, then keeps the worker idle until resume(). */
  async pause(): Promise<void> {
    this.pauses++;
    await this.idle;
  }

  resume(): void {
    this.pauses = Math.max(0, this.pauses - 1);
  }

  stop(): Promise<void> {
    this.stopped = true;
    return this.idle;
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      if (this.pauses > 0 || this.dirty) { await sleep(200); continue; }
      let done!: () => void;
      this.idle = new Promise<void>((r) => (done = r));
      try {
        await this.step();
      } finally {
        done();
      }
      await sleep(this.rng.int(20, 150));
    }
  }

  private route(id: string): string {
    return `environments/${this.env.name}/records/${TABLE}/${id}`;
  }

  private async step(): Promise<void> {
    const id = this.rng.pick(this.recordIds);
    const kind = this.rng.weighted({ write: 5, read: 4, delete: 1 });
    const record = this.model.record(id);
    const generation = this.keyward.generation;
    if (kind === "read") {
      const got = await this.read(id);
      if (got === "unavailable") return;
      this.counters.bump("reads.checked");
      if (!record.observe(got)) this.violation(`read of ${this.env.name}/${id} showed ${show(got)}; possible: ${record.allowed().map(show).join(", ")}`);
      return;
    }
    const outcome: Outcome = kind === "write" ? `${PLAINTEXT_MARKER}-${this.env.name}-${++this.counter}-${this.rng.int(0, 1e9)}` : DELETED;
    const answer = kind === "write"
      ? await this.api.call(this.env.tenant, "Environment.User", "PUT", this.route(id), { v: outcome })
      : await this.api.call(this.env.tenant, "Environment.User", "DELETE", this.route(id));
    const acked = kind === "write" ? answer.status === 200 || answer.status === 201 : answer.status === 204 || (answer.status === 404 && answer.body?.error?.code === "RecordNotFound");
    if (acked) {
      record.acknowledged(outcome, generation);
      this.counters.bump(kind === "write" ? "writes.acknowledged" : "deletes.acknowledged");
    } else {
      // A refusal before any write (423 locked, 503 in downtime, 4xx) changes nothing; anything else might have.
      const surelyNothing = answer.status === 423 || answer.status === 503 || (answer.status >= 400 && answer.status < 500);
      if (!surelyNothing) record.attempted(outcome, generation, answer.status !== 0);
      this.counters.bump(`${kind}s.unacknowledged.${answer.status || "noAnswer"}`);
    }
  }

  /** A record's outcome as a read shows it, or "unavailable" when keyward cannot serve it now. */
  async read(id: string): Promise<Outcome | "unavailable"> {
    const answer = await this.api.call(this.env.tenant, "Environment.User", "GET", this.route(id));
    if (answer.status === 200) return answer.body.value.v;
    if (answer.status === 404 && answer.body?.error?.code === "RecordNotFound") return DELETED;
    if (answer.status === 404) this.violation(`read of ${this.env.name}/${id}: 404 ${JSON.stringify(answer.body)}`);
    if (answer.status >= 500 && answer.status !== 503) this.counters.bump(`reads.error.${answer.status}`);
    return "unavailable";
  }
}

const show = (o: Outcome) => (o === undefined ? "never written" : o);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
