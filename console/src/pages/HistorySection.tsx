// History: the environment's operations, newest first ("Update Customer Managed Key" with
// Running / Succeeded / Failed, steps, errors and progress), as the reference's History page.
import { Badge, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from "@fluentui/react-components";
import { useConsole } from "../context";
import { usePoll } from "../api/usePoll";
import { seg } from "../api/client";
import type { List, Operation } from "../api/types";
import { ErrorBar } from "../components/ErrorBar";
import { ScrollTable } from "../components/ScrollTable";
import { ProgressCell } from "../components/ProgressCell";
import { formatDate } from "../statusText";

function errorText(error: Operation["error"]): string {
  if (!error) return "";
  return typeof error === "string" ? error : `${error.code ?? "Error"}: ${error.message ?? ""}`;
}

export function HistorySection({ environmentId, running }: { environmentId: string; running: boolean }) {
  const { api } = useConsole();
  const history = usePoll(() => api.get<List<Operation>>(`environments/${seg(environmentId)}/history`), running ? 1000 : 3000,
    `GET /api/environments/${environmentId}/history`);
  const list = history.data?.value ?? [];
  return (
    <section aria-labelledby="history-heading" className="section" id="history">
      <h2 id="history-heading">History</h2>
      <ErrorBar error={history.error} doing="Reading the history" note="Read again every few seconds." />
      {list.length === 0 && !history.loading ? <Text as="p">No operations yet.</Text> : null}
      {list.length > 0 ? (
        <ScrollTable label="History">
          <Table aria-label="History" data-testid="history">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Operation</TableHeaderCell>
                <TableHeaderCell>Status</TableHeaderCell>
                <TableHeaderCell>Started</TableHeaderCell>
                <TableHeaderCell>Ended</TableHeaderCell>
                <TableHeaderCell>Steps</TableHeaderCell>
                <TableHeaderCell>Progress</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {list.map((op) => (
                <TableRow key={op.operationId} data-operation={op.operationId} data-kind={op.kind}>
                  <TableCell>{op.operation}{op.policy ? <div className="muted small">{op.policy}{op.targetPolicy ? ` → ${op.targetPolicy}` : ""}</div> : null}</TableCell>
                  <TableCell>
                    <Badge appearance="tint" color={op.status === "Succeeded" ? "success" : op.status === "Failed" ? "danger" : "brand"} data-testid="history-status">{op.status}</Badge>
                    {op.error ? <div className="error-text small">{errorText(op.error)}</div> : null}
                  </TableCell>
                  <TableCell>{formatDate(op.startedAt)}</TableCell>
                  <TableCell>{formatDate(op.endedAt)}</TableCell>
                  <TableCell>
                    <ol className="steps">
                      {op.steps.map((s, i) => <li key={i}>{s.name}: {s.status}{s.detail ? ` (${s.detail})` : ""}</li>)}
                    </ol>
                  </TableCell>
                  <TableCell><ProgressCell progress={op.progress} running={op.status === "Running"} label={`Progress of ${op.operation}`} /></TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </ScrollTable>
      ) : null}
    </section>
  );
}
