// The audit log: every admin call, and every refused call (403, and 404 for a name the caller's
// tenant does not hold), with who, what, target, result, when and request id. One partition per
// tenant, keyed by inverted time, so a tenant's newest rows come first and a tenant reads only its
// own. Calls without a verified principal (401) are counted per source and hour, apart from any
// tenant. No request bodies, tokens or key material are ever recorded: only names the caller put
// in the URL.
import type { TableClient } from "@azure/data-tables";
import { invertedTimeKey } from "./invertedTime";
import { isConflict } from "../storage/clients";

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

const tenantPartition = (tenantId: string) => `tenant|${tenantId}`;

export class AuditLog {
  constructor(private readonly table: () => Promise<TableClient>) {}

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

  /** Counts a call refused for want of a verified principal, per source and hour. */
  async countUnauthenticated(source: string, code: string, at = new Date()): Promise<void> {
    const table = await this.table();
    const rowKey = `${at.toISOString().slice(0, 13)}|${source.replace(/[^A-Za-z0-9.:_-]/g, "_").slice(0, 100)}`;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const row = await table.getEntity<{ count: number }>(UNAUTHENTICATED, rowKey).catch(() => undefined);
        if (!row) await table.createEntity({ partitionKey: UNAUTHENTICATED, rowKey, count: 1, lastCode: code });
        else await table.updateEntity({ partitionKey: UNAUTHENTICATED, rowKey, count: Number(row.count) + 1, lastCode: code }, "Merge", { etag: row.etag });
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }

  /** The counts of calls without a principal, per hour and source (oldest first). */
  async unauthenticatedCounts(): Promise<{ hour: string; source: string; count: number }[]> {
    const out: { hour: string; source: string; count: number }[] = [];
    const rows = (await this.table()).listEntities<{ count: number }>({ queryOptions: { filter: `PartitionKey eq '${UNAUTHENTICATED}'` } });
    for await (const row of rows) {
      const [hour, source] = String(row.rowKey).split("|");
      out.push({ hour, source, count: Number(row.count) });
    }
    return out;
  }
}
