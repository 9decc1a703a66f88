// All policies: name, region, vault, key, key version and health from the live probe, and how
// many environments use each.
import { Spinner, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from "@fluentui/react-components";
import { useConsole } from "../context";
import { usePoll } from "../api/usePoll";
import type { Environment, List, Policy } from "../api/types";
import { ErrorBar } from "../components/ErrorBar";
import { ScrollTable } from "../components/ScrollTable";
import { HealthBadge, usePolicyHealth } from "../components/PolicyHealth";
import { AppLink, paths } from "../router";
import { keyVersionOf, vaultNameOf } from "../statusText";

export function AllPoliciesTab() {
  const { api } = useConsole();
  const policies = usePoll(() => api.get<List<Policy>>("enterprisePolicies"), 5000, "GET /api/enterprisePolicies");
  const environments = usePoll(() => api.get<List<Environment>>("environments"), 3000, "GET /api/environments");
  if (policies.loading) return <Spinner label="Loading enterprise policies" />;
  const list = policies.data?.value ?? [];
  const count = (name: string) => environments.data?.value.filter((e) => e.encryption.policy === name).length;
  return (
    <>
      <ErrorBar error={policies.error} doing="Reading the enterprise policies" note="Read again every 5 s." />
      <ErrorBar error={environments.error} doing="Reading the environments" note="Read again every 3 s." />
      {list.length === 0 && !policies.error ? <Text as="p" data-testid="no-policies">No enterprise policies yet.</Text> : null}
      {list.length > 0 ? (
        <ScrollTable label="All policies">
          <Table aria-label="All policies" data-testid="policies-table">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Name</TableHeaderCell>
                <TableHeaderCell>Region</TableHeaderCell>
                <TableHeaderCell>Vault</TableHeaderCell>
                <TableHeaderCell>Key</TableHeaderCell>
                <TableHeaderCell>Key version</TableHeaderCell>
                <TableHeaderCell>Health</TableHeaderCell>
                <TableHeaderCell>Environments</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {list.map((p) => <PolicyRow key={p.name} policy={p} environmentCount={count(p.name)} />)}
            </TableBody>
          </Table>
        </ScrollTable>
      ) : null}
    </>
  );
}

function PolicyRow({ policy, environmentCount }: { policy: Policy; environmentCount: number | undefined }) {
  const health = usePolicyHealth(policy.name);
  const kv = policy.properties.encryption.keyVault;
  return (
    <TableRow data-policy={policy.name}>
      <TableCell><AppLink to={paths.policy(policy.name)}>{policy.name}</AppLink></TableCell>
      <TableCell>{policy.location}</TableCell>
      <TableCell>{vaultNameOf(kv.id)}</TableCell>
      <TableCell>{kv.key.name}</TableCell>
      <TableCell><code>{keyVersionOf(health.data?.keyId)}</code></TableCell>
      <TableCell><HealthBadge health={health} /></TableCell>
      <TableCell>{environmentCount ?? "—"}</TableCell>
    </TableRow>
  );
}

