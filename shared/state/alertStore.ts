// The alerts table, one partition per tenant. Each alert has a dedupe key, so a timer that runs
// every minute raises it once; listed newest first.
import type { TableClient } from "@azure/data-tables";
import { DocumentTable } from "./documentTable";
import { invertedTimeKey } from "./invertedTime";
import type { Alert, NewAlert } from "../domain/alert";
import { trackEvent } from "../telemetry";

export class AlertStore {
  private readonly alerts: DocumentTable<Alert>;
  private readonly dedupe: DocumentTable<{ raisedAt: string }>;

  constructor(table: () => Promise<TableClient>) {
    this.alerts = new DocumentTable(table);
    this.dedupe = new DocumentTable(table);
  }

  /** Raises the tenant's alert unless one with the same dedupe key exists. Returns true when new. */
  async raise(tenantId: string, dedupeKey: string, alert: NewAlert): Promise<boolean> {
    const raisedAt = new Date().toISOString();
    const id = Buffer.from(dedupeKey).toString("base64url").slice(0, 200);
    if (!(await this.dedupe.create(`dedupe|${tenantId}`, id, { raisedAt }))) return false;
    await this.alerts.put(`alert|${tenantId}`, invertedTimeKey(new Date(raisedAt), id), { ...alert, id, raisedAt });
    trackEvent(`keyward.alert.${alert.kind}`, { severity: alert.severity, policy: alert.policy ?? "", environmentId: alert.environmentId ?? "" });
    return true;
  }

  /** The tenant's alerts, newest first. */
  list(tenantId: string, limit = 200): Promise<Alert[]> {
    return this.alerts.list(`alert|${tenantId}`, { limit });
  }
}
