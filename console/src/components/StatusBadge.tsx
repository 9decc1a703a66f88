// An encryption status in the reference's words, and an environment's state (Locked loud). The
// reference's explanation of a status is written out beside it where there is room (the
// environment page, Environments with this policy), and is the badge's title elsewhere.
import { Badge } from "@fluentui/react-components";
import type { EncryptionStatus } from "../api/types";
import { STATUS_EXPLANATIONS, STATUS_LABELS } from "../statusText";

const STATUS_COLORS: Record<EncryptionStatus, "success" | "informative" | "warning" | "danger" | "brand"> = {
  Encrypting: "brand", EncryptingOnline: "brand", Encrypted: "success", Reverting: "brand", RevertingOnline: "brand",
  PlatformManaged: "informative", Failed: "danger", Warning: "warning",
};

export function StatusBadge({ status }: { status: EncryptionStatus }) {
  return <Badge appearance="tint" color={STATUS_COLORS[status]} data-testid="encryption-status" title={STATUS_EXPLANATIONS[status]}>{STATUS_LABELS[status]}</Badge>;
}

export function StateBadge({ state }: { state: string }) {
  if (state === "Locked") return <Badge appearance="filled" color="danger" data-testid="environment-state">Locked</Badge>;
  return <Badge appearance="outline" color={state === "Enabled" ? "success" : "informative"} data-testid="environment-state">{state}</Badge>;
}
