// The alerts (key expiry in 30/7/1 days, key access lost, locked, locked too long, key version
// still needed) as a banner on every page, newest first, read again every 5 s.
import { useState } from "react";
import { Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle } from "@fluentui/react-components";
import { useConsole } from "../context";
import { usePoll } from "../api/usePoll";
import type { Alert, List } from "../api/types";
import { ErrorBar } from "./ErrorBar";
import { formatDate } from "../statusText";

const SHOWN = 3;

export function AlertsBanner() {
  const { api } = useConsole();
  const alerts = usePoll(() => api.get<List<Alert>>("alerts"), 5000, "GET /api/alerts");
  const [all, setAll] = useState(false);
  const list = alerts.data?.value ?? [];
  const shown = all ? list : list.slice(0, SHOWN);
  if (alerts.error) return <section aria-label="Alerts" className="alerts"><ErrorBar error={alerts.error} doing="Reading the alerts" note="Read again every 5 s." /></section>;
  if (list.length === 0) return null;
  return (
    <section aria-label="Alerts" className="alerts" data-testid="alerts">
      {shown.map((a) => (
        <MessageBar key={a.id} intent={a.severity === "Critical" ? "error" : "warning"} layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>{a.kind.replace(/([a-z])([A-Z])/g, "$1 $2")}</MessageBarTitle>
            {a.message} <span className="muted">({formatDate(a.raisedAt)}{a.dueAt ? `; due ${formatDate(a.dueAt)}` : ""})</span>
          </MessageBarBody>
        </MessageBar>
      ))}
      {list.length > SHOWN ? (
        <MessageBar intent="info">
          <MessageBarBody>{all ? `All ${list.length} alerts shown.` : `${list.length - SHOWN} more alert(s).`}</MessageBarBody>
          <MessageBarActions><Button size="small" onClick={() => setAll(!all)}>{all ? "Show fewer" : "Show all alerts"}</Button></MessageBarActions>
        </MessageBar>
      ) : null}
    </section>
  );
}
