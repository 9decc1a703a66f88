// An encryption status in the reference's words, and an environment's state (Locked loud).
import { Badge, Tooltip } from "@fluentui/react-components";
import type { EncryptionStatus } from "../api/types";
import { STATUS_EXPLANATIONS, STATUS_LABELS } from "../statusText";

const STATUS_COLORS: Record<EncryptionStatus, "success" | "informative" | "warning" | "danger" | "brand"> = {
  Encrypting: "brand", EncryptingOnline: "brand", Encrypted: "success", Reverting: "brand", RevertingOnline: "brand",
  PlatformManaged: "informative", Failed: "danger", Warning: "warning",
};

export function StatusBadge({ status }: { status: EncryptionStatus }) {
  return (
    <Tooltip content={STATUS_EXPLANATIONS[status]} relationship="description">
      <Badge appearance="tint" color={STATUS_COLORS[status]} data-testid="encryption-status" tabIndex={0}>{STATUS_LABELS[status]}</Badge>
    </Tooltip>
  );
}

export function StateBadge({ state }: { state: string }) {
  if (state === "Locked") return <Badge appearance="filled" color="danger" data-testid="environment-state">Locked</Badge>;
  return <Badge appearance="outline" color={state === "Enabled" ? "success" : "informative"} data-testid="environment-state">{state}</Badge>;
}
