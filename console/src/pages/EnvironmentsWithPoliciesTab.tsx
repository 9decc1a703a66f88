// Environments with policies: each environment on an enterprise policy, its encryption status,
// state and progress, read again every 2 s.
import { Spinner, Text } from "@fluentui/react-components";
import { useConsole } from "../context";
import { usePoll } from "../api/usePoll";
import type { Environment, List } from "../api/types";
import { ErrorBar } from "../components/ErrorBar";
import { EnvironmentTable } from "../components/EnvironmentTable";

export function EnvironmentsWithPoliciesTab() {
  const { api } = useConsole();
  const envs = usePoll(() => api.get<List<Environment>>("environments"), 2000, "GET /api/environments");
  if (envs.loading) return <Spinner label="Loading environments" />;
  const list = (envs.data?.value ?? []).filter((e) => e.encryption.policy);
  return (
    <>
      <ErrorBar error={envs.error} doing="Reading the environments" note="Read again every 2 s." />
      {list.length === 0 && !envs.error ? <Text as="p">No environment is on an enterprise policy.</Text> : null}
      {list.length > 0 ? <EnvironmentTable label="Environments with policies" environments={list} show={{ policy: true }} /> : null}
    </>
  );
}
