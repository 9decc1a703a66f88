// Alerts for the admins: key expiry ahead, key access lost, environments locked too long, a key
// version still needed that was disabled. Stored by shared/state/alertStore.ts.

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

export type NewAlert = Omit<Alert, "id" | "raisedAt">;
