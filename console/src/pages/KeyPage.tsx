// The policy's key: each version, what still needs it (environments, backups, retention after a
// rotation or removal) and the earliest date it may be disabled (GET .../keyUsage).
import { Badge, Spinner, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, Title1 } from "@fluentui/react-components";
import { useConsole } from "../context";
import { usePoll } from "../api/usePoll";
import { ApiFailure, seg } from "../api/client";
import type { KeyVersionUsage, PolicyKeyUsage } from "../api/types";
import { ErrorBar } from "../components/ErrorBar";
import { ScrollTable } from "../components/ScrollTable";
import { AppLink, paths } from "../router";
import { formatDate } from "../statusText";

function needs(v: KeyVersionUsage): string {
  const parts: string[] = [];
  if (v.environments.length) parts.push(`environments ${v.environments.map((e) => e.environmentId).join(", ")}`);
  const live = v.backups.filter((b) => !b.retainedUntil);
  const kept = v.backups.filter((b) => b.retainedUntil);
  if (live.length) parts.push(`${live.length} backup(s)`);
  if (kept.length) parts.push(`${kept.length} backup cop${kept.length === 1 ? "y" : "ies"} kept until ${formatDate(kept.map((b) => b.retainedUntil!).sort().pop())}`);
  if (v.retirements.length) parts.push(`${v.retirements.length} environment(s) that left it recently`);
  return parts.length ? parts.join("; ") : "nothing";
}

export function KeyPage({ name }: { name: string }) {
  const { api } = useConsole();
  const usage = usePoll(() => api.get<PolicyKeyUsage>(`enterprisePolicies/${seg(name)}/keyUsage`), 15000, `GET /api/enterprisePolicies/${name}/keyUsage`);
  return (
    <>
      <p className="breadcrumb"><AppLink to={paths.policies()}>Enterprise policies</AppLink> / <AppLink to={paths.policy(name)}>{name}</AppLink> / Key</p>
      <Title1 as="h1">Key versions</Title1>
      <ErrorBar error={usage.error} doing={`Reading the key usage of ${name}`} note="Read again every 15 s." />
      {usage.loading ? <Spinner label="Reading the key's versions" /> : null}
      {usage.data ? (
        <>
          <Text as="p">Key <code className="break">{usage.data.keyId}</code>, checked {formatDate(usage.data.checkedAt)}. A version still needed must not be disabled
            or deleted: environments whose keys are only under it would lock. After a rotation keep the previous version 28 days; after a removal, 30.</Text>
          {usage.data.vaultError ? <ErrorBar error={new ApiFailure("listing the key's versions in the vault", 0, usage.data.vaultError.code, usage.data.vaultError.message)} doing="Asking the vault" /> : null}
          <ScrollTable label="Key versions">
            <Table aria-label="Key versions" data-testid="key-versions">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>Version</TableHeaderCell>
                  <TableHeaderCell>In vault</TableHeaderCell>
                  <TableHeaderCell>Created</TableHeaderCell>
                  <TableHeaderCell>Expires</TableHeaderCell>
                  <TableHeaderCell>Still needed by</TableHeaderCell>
                  <TableHeaderCell>Earliest date to disable</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {usage.data.versions.map((v) => (
                  <TableRow key={v.keyId}>
                    <TableCell><code>{v.version}</code></TableCell>
                    <TableCell>{v.inVault === false ? <Badge color="danger">deleted</Badge> : v.enabled === false ? <Badge color="warning">disabled</Badge> : v.enabled ? "enabled" : "unknown"}</TableCell>
                    <TableCell>{formatDate(v.createdOn)}</TableCell>
                    <TableCell>{v.expiresOn ? formatDate(v.expiresOn) : "never"}</TableCell>
                    <TableCell>{needs(v)}</TableCell>
                    <TableCell>{v.inUse ? <strong>In use: not while it is needed</strong> : v.stillNeeded ? formatDate(v.earliestSafeDisable) : "now"}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </ScrollTable>
        </>
      ) : null}
    </>
  );
}
