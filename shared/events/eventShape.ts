// Event Grid delivers the Event Grid schema or CloudEvents; keyward reads either as one shape.

export interface NormalizedEvent {
  type: string;
  /** The publishing resource: a vault's ARM id, or /subscriptions/{id} for resource events. */
  topic: string;
  subject: string;
  data: Record<string, unknown>;
  id: string;
}

export function normalizeEvent(raw: unknown): NormalizedEvent {
  const e = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const data = (typeof e.data === "object" && e.data !== null ? e.data : {}) as Record<string, unknown>;
  return {
    type: String(e.eventType ?? e.type ?? ""),
    topic: String(e.topic ?? e.source ?? ""),
    subject: String(e.subject ?? ""),
    data,
    id: String(e.id ?? ""),
  };
}

export function dataString(data: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = data[n];
    if (typeof v === "string" && v) return v;
  }
  return undefined;
}
