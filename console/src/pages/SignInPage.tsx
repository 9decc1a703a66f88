// Sign in. Locally: every local identity (each role, in the local tenant and a second tenant),
// each a button that takes its token from the local issuer. In Azure: Microsoft Entra ID.
import { useState } from "react";
import { Button, Card, CardHeader, MessageBar, MessageBarBody, MessageBarTitle, Text, Title1 } from "@fluentui/react-components";
import type { ConsoleConfig, LocalIdentity } from "../auth/config";

export interface SignInPageProps {
  config: ConsoleConfig;
  onLocal(identity: LocalIdentity): Promise<void>;
  onMsal(): Promise<void>;
}

export function SignInPage({ config, onLocal, onMsal }: SignInPageProps) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const run = async (id: string, action: () => Promise<void>) => {
    setBusy(id);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(undefined);
    }
  };
  return (
    <main className="signin" id="main">
      <Title1 as="h1">Sign in to the keyward admin center</Title1>
      <Text as="p">Customer-managed keys for your environments: enterprise policies, encryption status, locks, history and backups.</Text>
      {error ? <MessageBar intent="error" role="alert"><MessageBarBody><MessageBarTitle>Sign-in failed</MessageBarTitle>{error}</MessageBarBody></MessageBar> : null}
      {config.mode === "unconfigured" ? (
        <MessageBar intent="error" layout="multiline"><MessageBarBody><MessageBarTitle>Sign-in is not configured</MessageBarTitle>{config.message}</MessageBarBody></MessageBar>
      ) : null}
      {config.mode === "msal" ? (
        <Button appearance="primary" size="large" disabled={!!busy} onClick={() => run("msal", onMsal)}>Sign in with Microsoft Entra ID</Button>
      ) : null}
      {config.mode === "local" ? <LocalIdentities identities={config.identities} busy={busy} onPick={(i) => run(i.oid, () => onLocal(i))} /> : null}
    </main>
  );
}

function LocalIdentities({ identities, busy, onPick }: { identities: LocalIdentity[]; busy?: string; onPick(i: LocalIdentity): void }) {
  const tenants = [...new Set(identities.map((i) => i.tid))];
  return (
    <>
      <Text as="p">This is keyward's embedded default: pick a local identity. Its token comes from the local token issuer, which only <code>npm start</code> and the tests run.</Text>
      <div className="tenant-grid">
        {tenants.map((tid) => {
          const inTenant = identities.filter((i) => i.tid === tid);
          return (
            <section key={tid} aria-labelledby={`tenant-${tid}`} className="tenant-card">
              <h2 id={`tenant-${tid}`} className="tenant-title">{inTenant[0].tenantName}</h2>
              <Text as="p" size={200} className="muted">Tenant {tid}</Text>
              {inTenant.map((i) => (
                <Card key={i.oid} appearance="outline" className="identity-card">
                  <CardHeader header={<Text weight="semibold">{i.name}</Text>} description={<span className="muted">{i.roles.join(", ")} · <code>{i.oid}</code></span>} />
                  <Button appearance="primary" disabled={!!busy} onClick={() => onPick(i)} aria-label={`Sign in as ${i.name} (${i.roles.join(", ")}) of ${i.tenantName}`}>
                    Sign in
                  </Button>
                </Card>
              ))}
            </section>
          );
        })}
      </div>
    </>
  );
}
