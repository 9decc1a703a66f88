// The audit log of every admin call: who, what, target, result, when, request id. Rows are
// partitioned by day and keyed by inverted time, so the newest come first. No request bodies,
// tokens or key material are ever recorded: only names the caller put in the URL.
import type { TableClient } from "@azure/data-tables";
import { invertedTimeKey } from "./invertedTime";

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

const invertedKey = invertedTimeKey;

export class AuditLog {
  constructor(private readonly table: () => Promise<TableClient>) {}

  async record(entry: AuditEntry): Promise<void> {
    const at = new Date(entry.at);
    await (await this.table()).createEntity({
      partitionKey: "audit",
      rowKey: invertedKey(at, entry.requestId),
      ...entry,
      callerRoles: entry.callerRoles.join(","),
      errorCode: entry.errorCode ?? "",
    });
  }

  /** Newest first, at most `limit` entries, optionally only those at or after `since`. */
  async list(options: { limit: number; since?: Date; callerOid?: string }): Promise<AuditEntry[]> {
    const filters = ["PartitionKey eq 'audit'"];
    if (options.since) filters.push(`RowKey le '${invertedKey(options.since, "~")}'`);
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
}
