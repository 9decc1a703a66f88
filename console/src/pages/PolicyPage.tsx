// Edit policy: the policy's key and health, Environments with this policy (live), and the
// actions each role may take: Add environments and Remove environment for a platform admin who
// holds Reader; Reader grants and Delete for the key vault administrator.
import { useState } from "react";
import { Button, MessageBar, MessageBarBody, MessageBarTitle, Spinner, Text, Title1, Toolbar } from "@fluentui/react-components";
import { useConsole } from "../context";
import { usePoll } from "../api/usePoll";
import { seg } from "../api/client";
import type { Environment, List, Policy } from "../api/types";
import { isKeysAdmin, isPlatformAdmin } from "../auth/session";
import { ErrorBar } from "../components/ErrorBar";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { HealthBadge, usePolicyHealth } from "../components/PolicyHealth";
import { AppLink, navigate, paths } from "../router";
import { formatDate, keyVersionOf, vaultNameOf } from "../statusText";
import { PolicyEnvironments } from "./PolicyEnvironments";
import { AddEnvironmentsPanel } from "./AddEnvironmentsPanel";
import { RemoveEnvironmentPanel } from "./RemoveEnvironmentPanel";
import { ReadersSection } from "./ReadersSection";

type Panel = "none" | "add" | "remove";

export function PolicyPage({ name }: { name: string }) {
  const { api, session } = useConsole();
  const policy = usePoll(() => api.get<Policy>(`enterprisePolicies/${seg(name)}`), 5000, `GET /api/enterprisePolicies/${name}`);
  const envs = usePoll(() => api.get<List<Environment>>(`environments?policy=${seg(name)}`), 1000, `GET /api/environments?policy=${name}`);
  const health = usePolicyHealth(name);
  const [panel, setPanel] = useState<Panel>("none");
  const [deleting, setDeleting] = useState(false);
  const [deleted, setDeleted] = useState(false);

  if (deleted) {
    return (
      <>
        <Title1 as="h1">Edit policy</Title1>
        <MessageBar intent="success"><MessageBarBody><MessageBarTitle>Enterprise policy {name} deleted</MessageBarTitle>The key stays in your vault.</MessageBarBody></MessageBar>
        <p><AppLink to={paths.policies()}>Back to Enterprise policies</AppLink></p>
      </>
    );
  }
  if (policy.loading) return <Spinner label="Loading the enterprise policy" />;
  if (!policy.data) {
    return (
      <>
        <Title1 as="h1">Edit policy</Title1>
        <ErrorBar error={policy.error} doing={`Reading enterprise policy ${name}`} />
        <p><AppLink to={paths.policies()}>Back to Enterprise policies</AppLink></p>
      </>
    );
  }
  const p = policy.data;
  const kv = p.properties.encryption.keyVault;
  const reader = p.properties.readers.includes(session.oid.toLowerCase());
  const platform = isPlatformAdmin(session);
  const onPolicy = envs.data?.value ?? [];

  return (
    <>
      <p className="breadcrumb"><AppLink to={paths.policies()}>Enterprise policies</AppLink> / {p.name}</p>
      <div className="page-title">
        <Title1 as="h1">Edit policy</Title1>
        <Text size={500} className="policy-name">{p.name}</Text>
      </div>
      <ErrorBar error={policy.error} doing={`Reading enterprise policy ${name}`} note="Read again every 5 s." />
      {platform || isKeysAdmin(session) ? (
        <Toolbar aria-label="Policy commands" className="command-bar">
          {platform && reader ? <Button appearance="primary" onClick={() => setPanel(panel === "add" ? "none" : "add")} aria-expanded={panel === "add"}>Add environments</Button> : null}
          {platform && reader ? <Button onClick={() => setPanel(panel === "remove" ? "none" : "remove")} aria-expanded={panel === "remove"} disabled={onPolicy.length === 0}>Remove environment</Button> : null}
          <Button onClick={() => navigate(paths.policyKey(p.name))}>Key versions</Button>
          {isKeysAdmin(session) ? <Button onClick={() => setDeleting(true)}>Delete policy</Button> : null}
        </Toolbar>
      ) : null}
      {platform && !reader ? (
        <MessageBar intent="info" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>You can see this policy but not add environments to it</MessageBarTitle>
            Ask the key vault administrator to grant your object id (<code>{session.oid}</code>) Reader on it.
          </MessageBarBody>
        </MessageBar>
      ) : null}

      {panel === "add" ? <AddEnvironmentsPanel policy={p} onStarted={() => void envs.reload()} onClose={() => setPanel("none")} /> : null}
      {panel === "remove" ? <RemoveEnvironmentPanel policy={p} environments={onPolicy} onStarted={() => void envs.reload()} onClose={() => setPanel("none")} /> : null}

      <section aria-labelledby="key-heading" className="section">
        <h2 id="key-heading">Key</h2>
        <dl className="facts">
          <dt>Region</dt><dd>{p.location}</dd>
          <dt>Vault</dt><dd>{vaultNameOf(kv.id)} <span className="muted break">({kv.id})</span></dd>
          <dt>Key</dt><dd>{kv.key.name}</dd>
          <dt>Key version</dt><dd><code data-testid="key-version">{keyVersionOf(health.data?.keyId)}</code></dd>
          <dt>Health</dt><dd><HealthBadge health={health} explain /> {health.data ? <span className="muted">checked {formatDate(health.data.checkedAt)}</span> : null}</dd>
          <dt>Expires</dt><dd>{health.data?.expiresOn ? formatDate(health.data.expiresOn) : "never"}</dd>
          <dt>Policy identity</dt><dd><code className="break">{p.identity.principalId}</code> <span className="muted">(grant it Key Vault Crypto Service Encryption User on the key)</span></dd>
        </dl>
      </section>

      <PolicyEnvironments environments={envs} />
      <ReadersSection policy={p} onChanged={() => void policy.reload()} />

      <ConfirmDialog open={deleting} title={`Delete policy ${p.name}`} confirmLabel="Delete" danger onClose={() => setDeleting(false)}
        onConfirm={async () => { await api.call("DELETE", `enterprisePolicies/${seg(p.name)}`); }} onConfirmed={() => setDeleted(true)}>
        <p>The enterprise policy {p.name} is deleted. keyward refuses while any environment uses it: remove them first.
          The key itself stays in your vault.</p>
      </ConfirmDialog>
    </>
  );
}
