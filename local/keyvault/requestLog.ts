// The request log tests read (`GET /_local/requests?since=N`) to count vault calls. It records
// what was asked and how it was answered, never a body: no key material, no tokens.

export interface RequestLogEntry {
  seq: number;
  time: string;
  method: string;
  /** Vault name, or null for the management API / unknown hosts. */
  vault: string | null;
  host: string;
  path: string;
  operation: string;
  key: string | null;
  /** HTTP status answered; 0 when the socket was dropped without an answer. */
  status: number;
  /** The caller's oid when the token verified, else null. */
  principal: string | null;
  /** The fault that applied, if any. */
  fault: string | null;
  durationMs: number;
}

const LIMIT = 20_000;

export class RequestLog {
  private seq = 0;
  private readonly entries: RequestLogEntry[] = [];

  add(entry: Omit<RequestLogEntry, "seq" | "time">): RequestLogEntry {
    const full: RequestLogEntry = { seq: ++this.seq, time: new Date().toISOString(), ...entry };
    this.entries.push(full);
    if (this.entries.length > LIMIT) this.entries.shift();
    return full;
  }

  since(seq: number): RequestLogEntry[] {
    return this.entries.filter((e) => e.seq > seq);
  }

  get lastSeq(): number {
    return this.seq;
  }
}
