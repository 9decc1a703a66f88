// Environments with this policy: each one's encryption status (with the reference's
// explanation), state and a live progress bar.
import { Text } from "@fluentui/react-components";
import type { Environment, List } from "../api/types";
import type { Polled } from "../api/usePoll";
import { ErrorBar } from "../components/ErrorBar";
import { EnvironmentTable } from "../components/EnvironmentTable";

export function PolicyEnvironments({ environments }: { environments: Polled<List<Environment>> }) {
  const list = environments.data?.value ?? [];
  return (
    <section aria-labelledby="policy-envs-heading" className="section">
      <h2 id="policy-envs-heading">Environments with this policy</h2>
      <ErrorBar error={environments.error} doing="Reading the policy's environments" note="Read again every second." />
      {list.length === 0 && !environments.loading ? <Text as="p">No environment uses this policy yet.</Text> : null}
      {list.length > 0 ? <EnvironmentTable label="Environments with this policy" environments={list} show={{ explanations: true }} testId="policy-environments" /> : null}
    </section>
  );
}
