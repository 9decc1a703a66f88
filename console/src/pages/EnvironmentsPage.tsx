// Every environment of the tenant, with type, region, state, key type, policy and encryption status.
import { Spinner, Text, Title1 } from "@fluentui/react-components";
import { useConsole } from "../context";
import { usePoll } from "../api/usePoll";
import type { Environment, List } from "../api/types";
import { ErrorBar } from "../components/ErrorBar";
import { EnvironmentTable } from "../components/EnvironmentTable";

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
      {list.length > 0 ? <EnvironmentTable label="Environments" environments={list} show={{ placement: true, key: true, policy: true }} testId="environments-table" /> : null}
    </>
  );
}
