// The audit log: every admin call, and every refused call (403, and 404 for a name the caller's
// tenant does not hold), with who, what, target, result, when and request id. One partition per
// tenant, keyed by inverted time, so a tenant's newest rows come first and a tenant reads only its
// own. Calls without a verified principal (401) are counted per source and hour, apart from any
// tenant. No request bodies, tokens or key material are ever recorded: only names the caller put
// in the URL.
// The source is what the front end reports (the first X-Forwarded-For value), which a caller can
// set to anything: so the rows are bounded by capping the distinct sources counted per hour, not
// by trusting the header. The first `maxSourcesPerHour` sources of an hour get a row each; every
// later one is counted in that hour's one overflow row (source "~other"), which also keeps the
// tally of sources admitted. At most maxSourcesPerHour + 1 rows an hour, whatever callers send.
import type { TableClient } from "@azure/data-tables";
import { invertedTimeKey } from "./invertedTime";
import { isConflict, isNotFound } from "../storage/clients";

export interface AuditEntry {
  requestId: string;
  at: string;
  callerOid: string;
  callerRoles: string[];
  operation: string;
  method: string;
  target: string;
  status: number;
  result: "Succeeded" | "Failed";
  errorCode?: string;
}

/** Where calls without a principal are counted (no tenant is known for them). */
const UNAUTHENTICATED = "~unauthenticated";
/** The overflow row's source: a sanitized source never holds "~". */
export const OTHER_SOURCES = "~other";
/** Distinct sources an hour with a row of their own (the rest are counted as OTHER_SOURCES). */
const MAX_SOURCES_PER_HOUR = 200;
const ATTEMPTS = 10;
/** A short random wait before retrying a row another call wrote first. */
const backOff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * 10 * (attempt + 1)));

const tenantPartition = (tenantId: string) => `tenant|${tenantId}`;

export class AuditLog {
  private readonly maxSourcesPerHour: number;

  constructor(private readonly table: () => Promise<TableClient>, options: { maxSourcesPerHour?: number } = {}) {
    this.maxSourcesPerHour = options.maxSourcesPerHour ?? MAX_SOURCES_PER_HOUR;
  }

  async record(tenantId: string, entry: AuditEntry): Promise<void> {
    await (await this.table()).createEntity({
      partitionKey: tenantPartition(tenantId),
      rowKey: invertedTimeKey(new Date(entry.at), entry.requestId),
      ...entry,
      callerRoles: entry.callerRoles.join(","),
      errorCode: entry.errorCode ?? "",
    });
  }

  /** Newest first, at most `limit` entries of the tenant, optionally only those at or after `since`. */
  async list(tenantId: string, options: { limit: number; since?: Date; callerOid?: string }): Promise<AuditEntry[]> {
    const filters = [`PartitionKey eq '${tenantPartition(tenantId)}'`];
    if (options.since) filters.push(`RowKey le '${invertedTimeKey(options.since, "~")}'`);
    const out: AuditEntry[] = [];
    const rows = (await this.table()).listEntities<Record<string, unknown>>({ queryOptions: { filter: filters.join(" and ") } });
    for await (const row of rows) {
      if (options.callerOid && row.callerOid !== options.callerOid) continue;
      out.push({
        requestId: String(row.requestId), at: String(row.at), callerOid: String(row.callerOid),
        callerRoles: String(row.callerRoles ?? "").split(",").filter(Boolean), operation: String(row.operation),
        method: String(row.method), target: String(row.target), status: Number(row.status),
        result: row.result === "Succeeded" ? "Succeeded" : "Failed",
        ...(row.errorCode ? { errorCode: String(row.errorCode) } : {}),
      });
      if (out.length >= options.limit) break;
    }
    return out;
  }

  /** Counts a call refused for want of a verified principal, per source and hour (sources capped per hour). */
  async countUnauthenticated(source: string, code: string, at = new Date()): Promise<void> {
    const table = await this.table();
    const hour = at.toISOString().slice(0, 13);
    const rowKey = `${hour}|${source.replace(/[^A-Za-z0-9.:_-]/g, "_").slice(0, 100)}`;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        const row = await getRow(table, rowKey);
        if (row) {
          await table.updateEntity({ partitionKey: UNAUTHENTICATED, rowKey, count: Number(row.count) + 1, lastCode: code }, "Merge", { etag: row.etag });
          return;
        }
        // A source new this hour: a row of its own while the hour has room, else the overflow row.
        if (await this.admitSource(table, hour, code)) await table.createEntity({ partitionKey: UNAUTHENTICATED, rowKey, count: 1, lastCode: code });
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
        await backOff(attempt);
      }
    }
  }

  /**
   * Takes one of the hour's source slots (true), or, when they are all taken, counts the call in
   * the overflow row (false). A slot taken by a source whose row another call creates first is
   * lost: the tally may run ahead of the rows, never behind.
   */
  private async admitSource(table: TableClient, hour: string, code: string): Promise<boolean> {
    const rowKey = `${hour}|${OTHER_SOURCES}`;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        const tally = await getRow(table, rowKey);
        const sources = Number(tally?.sources ?? 0);
        const admit = sources < this.maxSourcesPerHour;
        const next = admit ? { sources: sources + 1, count: Number(tally?.count ?? 0) } : { sources, count: Number(tally?.count ?? 0) + 1, lastCode: code };
        if (!tally) await table.createEntity({ partitionKey: UNAUTHENTICATED, rowKey, ...next });
        else await table.updateEntity({ partitionKey: UNAUTHENTICATED, rowKey, ...next }, "Merge", { etag: tally.etag });
        return admit;
      } catch (err) {
        if (!isConflict(err)) throw err;
        await backOff(attempt);
      }
    }
    return false;
  }

  /** The counts of calls without a principal, per hour and source (oldest first). */
  async unauthenticatedCounts(): Promise<{ hour: string; source: string; count: number }[]> {
    const out: { hour: string; source: string; count: number }[] = [];
    const rows = (await this.table()).listEntities<{ count: number }>({ queryOptions: { filter: `PartitionKey eq '${UNAUTHENTICATED}'` } });
    for await (const row of rows) {
      const [hour, source] = String(row.rowKey).split("|");
      // The overflow row exists from an hour's first source on (its tally); it counts calls only once the hour is full.
      if (Number(row.count) > 0) out.push({ hour, source, count: Number(row.count) });
    }
    return out;
  }
}

async function getRow(table: TableClient, rowKey: string) {
  return table.getEntity<{ count?: number; sources?: number }>(UNAUTHENTICATED, rowKey).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
}
