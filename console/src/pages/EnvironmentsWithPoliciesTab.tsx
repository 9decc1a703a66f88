// Environments with policies: each environment on an enterprise policy, its encryption status,
// state and progress, read again every 2 s.
import { Spinner, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from "@fluentui/react-components";
import { useConsole } from "../context";
import { usePoll } from "../api/usePoll";
import type { Environment, List } from "../api/types";
import { ErrorBar } from "../components/ErrorBar";
import { ScrollTable } from "../components/ScrollTable";
import { StateBadge, StatusBadge } from "../components/StatusBadge";
import { ProgressCell } from "../components/ProgressCell";
import { AppLink, paths } from "../router";
import { MOVING } from "../statusText";

export function EnvironmentsWithPoliciesTab() {
  const { api } = useConsole();
  const envs = usePoll(() => api.get<List<Environment>>("environments"), 2000, "GET /api/environments");
  if (envs.loading) return <Spinner label="Loading environments" />;
  const list = (envs.data?.value ?? []).filter((e) => e.encryption.policy);
  return (
    <>
      <ErrorBar error={envs.error} doing="Reading the environments" note="Read again every 2 s." />
      {list.length === 0 && !envs.error ? <Text as="p">No environment is on an enterprise policy.</Text> : null}
      {list.length > 0 ? (
        <ScrollTable label="Environments with policies">
          <Table aria-label="Environments with policies">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Environment</TableHeaderCell>
                <TableHeaderCell>Policy</TableHeaderCell>
                <TableHeaderCell>Encryption status</TableHeaderCell>
                <TableHeaderCell>State</TableHeaderCell>
                <TableHeaderCell>Progress</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {list.map((e) => (
                <TableRow key={e.id} data-environment={e.id}>
                  <TableCell><AppLink to={paths.environment(e.id)}>{e.displayName}</AppLink> <span className="muted">({e.id})</span></TableCell>
                  <TableCell><AppLink to={paths.policy(e.encryption.policy!)}>{e.encryption.policy}</AppLink></TableCell>
                  <TableCell><StatusBadge status={e.encryption.status} /></TableCell>
                  <TableCell><StateBadge state={e.state} /></TableCell>
                  <TableCell><ProgressCell progress={e.encryption.progress} running={MOVING.includes(e.encryption.status)} label={`Progress of ${e.id}`} /></TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </ScrollTable>
      ) : null}
    </>
  );
}
