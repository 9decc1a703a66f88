// Fault injection: rules that make matching (authenticated) keys API requests slow, fail with a
// chosen status, or have their socket destroyed without an answer. Kept in memory only: a
// restart clears them.
import { isKeyOperation } from "./operations";
import { VaultError, throttled } from "./errors";

export interface FaultSpec {
  /** Vault name (case-insensitive); any vault when absent. */
  vault?: string;
  /** Key name (case-insensitive); any key (and key-less operations) when absent. */
  key?: string;
  /** A keys API operation name (`unwrapKey`, `wrapKey`, `get`, `create`, ...) or `*`. */
  operation?: string;
  status?: number;
  retryAfterSeconds?: number;
  latencyMs?: number;
  /** Destroy the socket without answering. */
  drop?: boolean;
  /** How many matching requests it applies to; unlimited when absent. */
  count?: number;
}

export interface Fault extends FaultSpec {
  id: string;
  /** Requests it has applied to so far. */
  hits: number;
  /** Applications left, or null for unlimited. */
  remaining: number | null;
}

export interface RequestTarget {
  vault: string;
  key?: string;
  operation: string;
}

function bad(message: string): VaultError {
  return new VaultError(400, "BadParameter", message);
}

export function validateFaultSpec(body: Record<string, unknown>): FaultSpec {
  const spec: FaultSpec = {};
  const str = (k: string) => {
    const v = body[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string" || !v) throw bad(`'${k}' must be a non-empty string`);
    return v;
  };
  const int = (k: string, min: number, max: number) => {
    const v = body[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw bad(`'${k}' must be an integer from ${min} to ${max}`);
    return v;
  };
  spec.vault = str("vault")?.toLowerCase();
  spec.key = str("key");
  spec.operation = str("operation");
  if (spec.operation && spec.operation !== "*" && !isKeyOperation(spec.operation)) {
    throw bad(`unknown operation '${spec.operation}'`);
  }
  spec.status = int("status", 400, 599);
  spec.retryAfterSeconds = int("retryAfterSeconds", 0, 3600);
  spec.latencyMs = int("latencyMs", 0, 600_000);
  spec.count = int("count", 1, 1_000_000);
  if (body.drop !== undefined && typeof body.drop !== "boolean") throw bad("'drop' must be a boolean");
  spec.drop = body.drop === true ? true : undefined;
  if (spec.status === undefined && !spec.drop && spec.latencyMs === undefined) {
    throw bad("a fault needs at least one of 'status', 'drop' or 'latencyMs'");
  }
  if (spec.status !== undefined && spec.drop) throw bad("'status' and 'drop' exclude each other");
  for (const k of Object.keys(spec) as (keyof FaultSpec)[]) if (spec[k] === undefined) delete spec[k];
  return spec;
}

/** The error response a status fault answers with. */
export function faultError(fault: Fault): VaultError {
  const status = fault.status ?? 500;
  const retry: Record<string, string> = fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : {};
  if (status === 429) return throttled(fault.retryAfterSeconds);
  const [code, message] =
    status === 500 ? ["InternalServerError", "An unexpected error occurred while processing the request."]
      : status === 502 ? ["BadGateway", "The service received an invalid response from an upstream server."]
        : status === 503 ? ["ServiceUnavailable", "The service is temporarily unavailable. Please retry later."]
          : status === 504 ? ["GatewayTimeout", "The service did not answer in time."]
            : ["InjectedFault", `Fault ${fault.id} answered with status ${status}.`];
  return new VaultError(status, code, message, undefined, retry);
}

export class FaultRegistry {
  private readonly faults = new Map<string, Fault>();

  put(id: string, spec: FaultSpec): { created: boolean; fault: Fault } {
    const created = !this.faults.has(id);
    const fault: Fault = { id, ...spec, hits: 0, remaining: spec.count ?? null };
    this.faults.delete(id); // re-insert at the end: insertion order decides precedence
    this.faults.set(id, fault);
    return { created, fault };
  }

  delete(id: string): Fault | undefined {
    const fault = this.faults.get(id);
    this.faults.delete(id);
    return fault;
  }

  list(): Fault[] {
    return [...this.faults.values()].map((f) => ({ ...f }));
  }

  /** The first live fault matching the request, with one application consumed. */
  take(target: RequestTarget): Fault | undefined {
    for (const fault of this.faults.values()) {
      if (fault.remaining === 0) continue;
      if (fault.vault && fault.vault !== target.vault.toLowerCase()) continue;
      if (fault.key && fault.key.toLowerCase() !== target.key?.toLowerCase()) continue;
      if (fault.operation && fault.operation !== "*" && fault.operation !== target.operation) continue;
      fault.hits++;
      if (fault.remaining !== null) fault.remaining--;
      return { ...fault };
    }
    return undefined;
  }
}
