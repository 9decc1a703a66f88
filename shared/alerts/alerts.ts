// Alerts for the admins: key expiry ahead, key access lost, environments locked too long, a key
// version still needed that was disabled. Each alert has a dedupe key, so a timer that runs
// every minute raises it once; GET /api/alerts lists them, newest first.
import { services } from "../services";
import { trackEvent } from "../telemetry";

export type AlertKind = "KeyNearExpiry" | "KeyExpired" | "KeyAccessLost" | "EnvironmentLocked" | "LockedTooLong" | "KeyVersionStillNeeded";

export interface Alert {
  id: string;
  kind: AlertKind;
  severity: "Warning" | "Critical";
  message: string;
  raisedAt: string;
  policy?: string;
  environmentId?: string;
  keyId?: string;
  /** When the thing warned about happens (expiry, deletion deadline). */
  dueAt?: string;
}

const MAX_TICKS = 8_640_000_000_000_000;

/** Raises the alert unless one with the same dedupe key exists. Returns true when new. */
export async function raiseAlert(dedupeKey: string, alert: Omit<Alert, "id" | "raisedAt">): Promise<boolean> {
  const { state } = services();
  const raisedAt = new Date().toISOString();
  const id = Buffer.from(dedupeKey).toString("base64url").slice(0, 200);
  const fresh = await state.alertIndex.create("dedupe", id, { raisedAt });
  if (!fresh) return false;
  const full: Alert = { ...alert, id, raisedAt };
  await state.alerts.put("alert", `${String(MAX_TICKS - Date.parse(raisedAt)).padStart(16, "0")}_${id}`, full);
  trackEvent(`keyward.alert.${alert.kind}`, { severity: alert.severity, policy: alert.policy ?? "", environmentId: alert.environmentId ?? "" });
  return true;
}

export async function listAlerts(limit = 200): Promise<Alert[]> {
  return services().state.alerts.list("alert", { limit });
}
