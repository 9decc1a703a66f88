// Remove environment: pick one environment on the policy, Continue, Save; the confirmation
// gives the reference's warning to keep the key and its access for 30 days.
import { useState } from "react";
import { Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle, Radio, RadioGroup, Text } from "@fluentui/react-components";
import { useConsole } from "../context";
import { seg } from "../api/client";
import type { Environment, Policy } from "../api/types";
import { ConfirmDialog } from "../components/ConfirmDialog";

export function RemoveEnvironmentPanel({ policy, environments, onStarted, onClose }: { policy: Policy; environments: Environment[]; onStarted(): void; onClose(): void }) {
  const { api } = useConsole();
  const [picked, setPicked] = useState<string>();
  const [step, setStep] = useState<"pick" | "review" | "started">("pick");
  const [confirming, setConfirming] = useState(false);
  return (
    <section aria-labelledby="remove-heading" className="panel" data-testid="remove-environment">
      <h2 id="remove-heading">Remove environment</h2>
      {step === "pick" ? (
        <>
          <RadioGroup aria-labelledby="remove-heading" value={picked ?? ""} onChange={(_, d) => setPicked(d.value)}>
            {environments.map((e) => <Radio key={e.id} value={e.id} label={`${e.displayName} (${e.id})`} />)}
          </RadioGroup>
          <div className="actions">
            <Button appearance="primary" disabled={!picked} onClick={() => setStep("review")}>Continue</Button>
            <Button onClick={onClose}>Cancel</Button>
          </div>
        </>
      ) : step === "started" ? (
        <MessageBar intent="success" data-testid="remove-started">
          <MessageBarBody><MessageBarTitle>Removal started</MessageBarTitle>{picked} is returning to the platform-managed key.</MessageBarBody>
          <MessageBarActions><Button onClick={onClose}>Close</Button></MessageBarActions>
        </MessageBar>
      ) : (
        <>
          <Text as="p"><strong>{picked}</strong> will return to the platform-managed key.</Text>
          <div className="actions">
            <Button appearance="primary" onClick={() => setConfirming(true)}>Save</Button>
            <Button onClick={() => setStep("pick")}>Back</Button>
          </div>
        </>
      )}
      <ConfirmDialog open={confirming} title="Remove environment from the policy" confirmLabel="Confirm" onClose={() => setConfirming(false)}
        onConfirm={async () => {
          await api.call("DELETE", `enterprisePolicies/${seg(policy.name)}/environments/${seg(picked!)}`);
          onStarted();
        }} onConfirmed={() => setStep("started")}>
        <p>The environment {picked} is disabled (Reverting) while its core data is re-encrypted with the platform-managed key.</p>
        <p><strong>Do not delete or disable the key, delete or disable the key vault, or remove the enterprise policy's permissions to the key vault for 30 days.</strong> The
          key and the vault's access are needed to restore the environment's backups; after 30 days you can delete them and remove the permissions.</p>
      </ConfirmDialog>
    </section>
  );
}
