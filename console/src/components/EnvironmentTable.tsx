// The one table of environments the console shows in three places (Environments, Environments
// with policies, Environments with this policy): the environment, the columns the page asks for,
// its encryption status, state and live progress.
import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow } from "@fluentui/react-components";
import type { Environment } from "../api/types";
import { ScrollTable } from "./ScrollTable";
import { StateBadge, StatusBadge } from "./StatusBadge";
import { ProgressCell } from "./ProgressCell";
import { AppLink, paths } from "../router";
import { KEY_TYPE_LABELS, MOVING, STATUS_EXPLANATIONS } from "../statusText";

export interface EnvironmentTableProps {
  label: string;
  environments: Environment[];
  /** Extra columns: the policy; type, region and Managed; the key type; the status's explanation and the lock's reason. */
  show?: { policy?: boolean; placement?: boolean; key?: boolean; explanations?: boolean };
  testId?: string;
}

export function EnvironmentTable({ label, environments, show = {}, testId }: EnvironmentTableProps) {
  return (
    <ScrollTable label={label}>
      <Table aria-label={label} data-testid={testId}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Environment</TableHeaderCell>
            {show.placement ? <><TableHeaderCell>Type</TableHeaderCell><TableHeaderCell>Region</TableHeaderCell><TableHeaderCell>Managed</TableHeaderCell></> : null}
            {show.policy ? <TableHeaderCell>Policy</TableHeaderCell> : null}
            {show.key ? <TableHeaderCell>Key</TableHeaderCell> : null}
            <TableHeaderCell>Encryption status</TableHeaderCell>
            <TableHeaderCell>State</TableHeaderCell>
            <TableHeaderCell>Progress</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {environments.map((e) => (
            <TableRow key={e.id} data-environment={e.id}>
              <TableCell><AppLink to={paths.environment(e.id)}>{e.displayName}</AppLink> <span className="muted">({e.id})</span></TableCell>
              {show.placement ? <><TableCell>{e.type}</TableCell><TableCell>{e.region}</TableCell><TableCell>{e.managed ? "Yes" : "No"}</TableCell></> : null}
              {show.policy ? <TableCell>{e.encryption.policy ? <AppLink to={paths.policy(e.encryption.policy)}>{e.encryption.policy}</AppLink> : "—"}</TableCell> : null}
              {show.key ? <TableCell>{KEY_TYPE_LABELS[e.encryption.keyType]}</TableCell> : null}
              <TableCell>
                <StatusBadge status={e.encryption.status} />
                {show.explanations ? <div className="muted small">{STATUS_EXPLANATIONS[e.encryption.status]}</div> : null}
              </TableCell>
              <TableCell>
                <StateBadge state={e.state} />
                {show.explanations && e.state === "Locked" && e.encryption.lockedReason ? <div className="small">{e.encryption.lockedReason}</div> : null}
              </TableCell>
              <TableCell><ProgressCell progress={e.encryption.progress} running={MOVING.includes(e.encryption.status)} label={`Progress of ${e.id}`} /></TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </ScrollTable>
  );
}
