// Add environments, as the reference's admin center does it: pick environments, Continue, Save,
// Confirm. Only environments that may be added can be picked; the others are listed greyed with
// the API's reason (GET .../candidates runs the add's own checks). The confirmation states the
// downtime and that a rerun resumes.
import { useState } from "react";
import { Button, Checkbox, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle, Spinner, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from "@fluentui/react-components";
import { useConsole } from "../context";
import { usePoll } from "../api/usePoll";
import { seg } from "../api/client";
import type { Candidate, Policy } from "../api/types";
import { ErrorBar } from "../components/ErrorBar";
import { ScrollTable } from "../components/ScrollTable";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { StatusBadge } from "../components/StatusBadge";

export function AddEnvironmentsPanel({ policy, onStarted, onClose }: { policy: Policy; onStarted(): void; onClose(): void }) {
  const { api } = useConsole();
  const candidates = usePoll(() => api.get<{ value: Candidate[] }>(`enterprisePolicies/${seg(policy.name)}/candidates`), 0,
    `GET /api/enterprisePolicies/${policy.name}/candidates`);
  const [picked, setPicked] = useState<string[]>([]);
  const [step, setStep] = useState<"pick" | "review" | "started">("pick");
  const [started, setStarted] = useState<{ environmentId: string; operationId: string }[]>([]);
  const [confirming, setConfirming] = useState(false);
  const list = candidates.data?.value ?? [];
  const eligible = list.filter((c) => c.eligible);
  const others = list.filter((c) => !c.eligible);
  const toggle = (id: string, on: boolean) => setPicked((p) => (on ? [...p, id] : p.filter((x) => x !== id)));

  return (
    <section aria-labelledby="add-heading" className="panel" data-testid="add-environments">
      <h2 id="add-heading">Add environments</h2>
      <ErrorBar error={candidates.error} doing="Listing the environments that can be added" />
      {candidates.loading ? <Spinner label="Checking which environments can be added" /> : null}
      {step === "pick" && !candidates.loading ? (
        <>
          <Text as="p">Only Managed Environments in {policy.location} (not Trial or Teams, not locked, with no operation running, with the tenant's licence) can be added.</Text>
          {eligible.length === 0 ? <Text as="p" data-testid="no-eligible">No environment can be added to this policy now.</Text> : (
            <fieldset className="pick-list">
              <legend>Environments that can be added</legend>
              {eligible.map((c) => (
                <Checkbox key={c.environmentId} checked={picked.includes(c.environmentId)} onChange={(_, d) => toggle(c.environmentId, d.checked === true)}
                  label={`${c.displayName} (${c.environmentId}) · ${c.type} · ${c.region}`} data-testid={`pick-${c.environmentId}`} />
              ))}
            </fieldset>
          )}
          {others.length > 0 ? (
            <ScrollTable label="Environments that cannot be added">
              <Table aria-label="Environments that cannot be added" className="greyed" data-testid="ineligible">
                <TableHeader>
                  <TableRow>
                    <TableHeaderCell>Environment</TableHeaderCell>
                    <TableHeaderCell>Encryption status</TableHeaderCell>
                    <TableHeaderCell>Why it cannot be added</TableHeaderCell>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {others.map((c) => (
                    <TableRow key={c.environmentId} data-environment={c.environmentId} aria-disabled="true">
                      <TableCell>{c.displayName} ({c.environmentId}) · {c.type} · {c.region}</TableCell>
                      <TableCell><StatusBadge status={c.status} /></TableCell>
                      <TableCell><strong>{c.code}</strong>: {c.message}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </ScrollTable>
          ) : null}
          <div className="actions">
            <Button appearance="primary" disabled={picked.length === 0} onClick={() => setStep("review")}>Continue</Button>
            <Button onClick={onClose}>Cancel</Button>
          </div>
        </>
      ) : null}
      {step === "review" ? (
        <>
          <Text as="p">These environments will be added to <strong>{policy.name}</strong>:</Text>
          <ul data-testid="staged">{picked.map((id) => <li key={id}>{id}</li>)}</ul>
          <div className="actions">
            <Button appearance="primary" onClick={() => setConfirming(true)}>Save</Button>
            <Button onClick={() => setStep("pick")}>Back</Button>
          </div>
        </>
      ) : null}
      {step === "started" ? (
        <MessageBar intent="success" layout="multiline" data-testid="add-started">
          <MessageBarBody>
            <MessageBarTitle>Encryption started</MessageBarTitle>
            {started.map((o) => `${o.environmentId} (operation ${o.operationId})`).join(", ")}. Follow each one below, or on its page.
          </MessageBarBody>
          <MessageBarActions><Button onClick={onClose}>Close</Button></MessageBarActions>
        </MessageBar>
      ) : null}
      <ConfirmDialog open={confirming} title="Add environments to the policy" confirmLabel="Confirm" onClose={() => setConfirming(false)}
        onConfirm={async () => {
          const res = await api.call<{ operations: { environmentId: string; operationId: string }[] }>("POST", `enterprisePolicies/${seg(policy.name)}/environments`, { environmentIds: picked });
          setStarted(res.operations);
          onStarted();
        }} onConfirmed={() => setStep("started")}>
        <p><strong>Each environment is disabled while its core data is re-encrypted with the customer-managed key</strong> (status Encrypting). The downtime
          depends on the size of its data; it is back online at Encrypting - online, while the remaining stores follow, and Encrypted when done.</p>
        <p>If the operation fails, the data stays readable under the platform-managed key and rerunning Add environments resumes where it stopped.</p>
        <p>Environments: {picked.join(", ")}.</p>
      </ConfirmDialog>
    </section>
  );
}
