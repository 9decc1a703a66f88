// Environments with this policy: each one's encryption status (with the reference's
// explanation), state and a live progress bar.
import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from "@fluentui/react-components";
import type { Environment, List } from "../api/types";
import type { Polled } from "../api/usePoll";
import { ErrorBar } from "../components/ErrorBar";
import { ScrollTable } from "../components/ScrollTable";
import { StateBadge, StatusBadge } from "../components/StatusBadge";
import { ProgressCell } from "../components/ProgressCell";
import { AppLink, paths } from "../router";
import { MOVING, STATUS_EXPLANATIONS } from "../statusText";

export function PolicyEnvironments({ environments }: { environments: Polled<List<Environment>> }) {
  const list = environments.data?.value ?? [];
  return (
    <section aria-labelledby="policy-envs-heading" className="section">
      <h2 id="policy-envs-heading">Environments with this policy</h2>
      <ErrorBar error={environments.error} doing="Reading the policy's environments" note="Read again every second." />
      {list.length === 0 && !environments.loading ? <Text as="p">No environment uses this policy yet.</Text> : null}
      {list.length > 0 ? (
        <ScrollTable label="Environments with this policy">
          <Table aria-label="Environments with this policy" data-testid="policy-environments">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Environment</TableHeaderCell>
                <TableHeaderCell>Encryption status</TableHeaderCell>
                <TableHeaderCell>State</TableHeaderCell>
                <TableHeaderCell>Progress</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {list.map((e) => (
                <TableRow key={e.id} data-environment={e.id}>
                  <TableCell><AppLink to={paths.environment(e.id)}>{e.displayName}</AppLink> <span className="muted">({e.id})</span></TableCell>
                  <TableCell>
                    <StatusBadge status={e.encryption.status} />
                    <div className="muted small">{STATUS_EXPLANATIONS[e.encryption.status]}</div>
                  </TableCell>
                  <TableCell><StateBadge state={e.state} />{e.state === "Locked" && e.encryption.lockedReason ? <div className="small">{e.encryption.lockedReason}</div> : null}</TableCell>
                  <TableCell><ProgressCell progress={e.encryption.progress} running={MOVING.includes(e.encryption.status)} label={`Progress of ${e.id}`} /></TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </ScrollTable>
      ) : null}
    </section>
  );
}
