// A policy's key health from the live probe (GET .../health: wrap and unwrap as the policy's
// identity), read again every 15 s.
import { Badge } from "@fluentui/react-components";
import { useConsole } from "../context";
import { usePoll, type Polled } from "../api/usePoll";
import { seg } from "../api/client";
import type { PolicyHealth } from "../api/types";

const EXPLAIN: Record<PolicyHealth["status"], string> = {
  Healthy: "The policy's identity can wrap and unwrap with the key.",
  Forbidden: "The policy's identity has no access to the key: its environments are locked until access is restored.",
  Disabled: "The key is disabled: its environments are locked until it is enabled.",
  Expired: "The key has expired: its environments are locked until its expiry date is extended.",
  NotFound: "The key or its vault was not found (deleted?): recover it from soft delete.",
  Unreachable: "The key vault did not answer; nothing is locked for that.",
};

export function usePolicyHealth(name: string): Polled<PolicyHealth> {
  const { api } = useConsole();
  return usePoll(() => api.get<PolicyHealth>(`enterprisePolicies/${seg(name)}/health`), 15000, `GET /api/enterprisePolicies/${name}/health`);
}

/** The probe's answer as a badge; `explain` writes the reason out beside it. */
export function HealthBadge({ health, explain }: { health: Polled<PolicyHealth>; explain?: boolean }) {
  if (health.error) return <Badge appearance="outline" color="danger">{health.error.status} {health.error.code}</Badge>;
  if (!health.data) return <span>checking…</span>;
  const s = health.data.status;
  const why = EXPLAIN[s] + (health.data.vaultCode ? ` (${health.data.vaultCode})` : "");
  return (
    <>
      <Badge appearance="tint" color={s === "Healthy" ? "success" : s === "Unreachable" ? "warning" : "danger"} data-testid="policy-health" title={why}>{s}</Badge>
      {explain ? <span className="muted"> {why}</span> : null}
    </>
  );
}
