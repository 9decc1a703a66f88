// Every environment of the tenant, with state, key type, policy and encryption status.
import { Spinner, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, Title1 } from "@fluentui/react-components";
import { useConsole } from "../context";
import { usePoll } from "../api/usePoll";
import type { Environment, List } from "../api/types";
import { ErrorBar } from "../components/ErrorBar";
import { ScrollTable } from "../components/ScrollTable";
import { StateBadge, StatusBadge } from "../components/StatusBadge";
import { ProgressCell } from "../components/ProgressCell";
import { AppLink, paths } from "../router";
import { KEY_TYPE_LABELS, MOVING } from "../statusText";

export function EnvironmentsPage() {
  const { api } = useConsole();
  const envs = usePoll(() => api.get<List<Environment>>("environments"), 2000, "GET /api/environments");
  const list = envs.data?.value ?? [];
  return (
    <>
      <Title1 as="h1">Environments</Title1>
      <ErrorBar error={envs.error} doing="Reading the environments" note="Read again every 2 s." />
      {envs.loading ? <Spinner label="Loading environments" /> : null}
      {!envs.loading && list.length === 0 && !envs.error ? <Text as="p" data-testid="no-environments">No environments.</Text> : null}
      {list.length > 0 ? (
        <ScrollTable label="Environments">
          <Table aria-label="Environments" data-testid="environments-table">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Environment</TableHeaderCell>
                <TableHeaderCell>Type</TableHeaderCell>
                <TableHeaderCell>Region</TableHeaderCell>
                <TableHeaderCell>Managed</TableHeaderCell>
                <TableHeaderCell>State</TableHeaderCell>
                <TableHeaderCell>Key</TableHeaderCell>
                <TableHeaderCell>Encryption status</TableHeaderCell>
                <TableHeaderCell>Progress</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {list.map((e) => (
                <TableRow key={e.id} data-environment={e.id}>
                  <TableCell><AppLink to={paths.environment(e.id)}>{e.displayName}</AppLink> <span className="muted">({e.id})</span></TableCell>
                  <TableCell>{e.type}</TableCell>
                  <TableCell>{e.region}</TableCell>
                  <TableCell>{e.managed ? "Yes" : "No"}</TableCell>
                  <TableCell><StateBadge state={e.state} /></TableCell>
                  <TableCell>{KEY_TYPE_LABELS[e.encryption.keyType]}{e.encryption.policy ? <> · <AppLink to={paths.policy(e.encryption.policy)}>{e.encryption.policy}</AppLink></> : null}</TableCell>
                  <TableCell><StatusBadge status={e.encryption.status} /></TableCell>
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
