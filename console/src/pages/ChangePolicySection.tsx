// Change policy: move an environment on a customer key to another enterprise policy (another
// key): remove, then add; two downtimes, as the reference says.
import { useState } from "react";
import { Button, Field, Select, Text } from "@fluentui/react-components";
import { useConsole } from "../context";
import { usePoll } from "../api/usePoll";
import { seg } from "../api/client";
import type { Environment, List, Policy } from "../api/types";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ErrorBar } from "../components/ErrorBar";

export function ChangePolicySection({ environment }: { environment: Environment }) {
  const { api, session } = useConsole();
  const policies = usePoll(() => api.get<List<Policy>>("enterprisePolicies"), 0, "GET /api/enterprisePolicies");
  const [target, setTarget] = useState("");
  const [confirming, setConfirming] = useState(false);
  const current = environment.encryption.policy;
  if (environment.encryption.keyType !== "CustomerManaged" || !current) return null;
  const choices = (policies.data?.value ?? []).filter((p) => p.name !== current && p.properties.readers.includes(session.oid.toLowerCase()));
  return (
    <section aria-labelledby="change-heading" className="section">
      <h2 id="change-heading">Change policy</h2>
      <ErrorBar error={policies.error} doing="Listing the enterprise policies" />
      <Text as="p">Moves {environment.id} from {current} to another policy's key. Only policies on which you hold Reader are listed.</Text>
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); if (target) setConfirming(true); }}>
        <Field label="New enterprise policy">
          <Select value={target} onChange={(_, d) => setTarget(d.value)}>
            <option value="">Choose a policy</option>
            {choices.map((p) => <option key={p.name} value={p.name}>{p.name} ({p.location})</option>)}
          </Select>
        </Field>
        <Button type="submit" disabled={!target}>Change policy</Button>
      </form>
      <ConfirmDialog open={confirming} title="Change policy" confirmLabel="Confirm" onClose={() => setConfirming(false)}
        onConfirm={async () => { await api.call("POST", `environments/${seg(environment.id)}/changePolicy`, { policy: target }); }}>
        <p><strong>The environment is down twice</strong>: while it reverts to the platform-managed key (Reverting), and while it is encrypted with {target}'s key (Encrypting).</p>
        <p>Keep {current}'s key and its access for 30 days after: backups taken under it still need it.</p>
      </ConfirmDialog>
    </section>
  );
}
