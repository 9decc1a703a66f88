// The key vault administrator creates an enterprise policy for a key (vault resource id, key
// name, region): PUT /api/enterprisePolicies/{name} in the reference's template shape. The answer
// names the policy's identity, which must then be granted on the key in the vault. A panel on the
// page rather than a dialog: it ends by opening another page.
import { useState } from "react";
import { Button, Field, Input, MessageBar, MessageBarBody, MessageBarTitle } from "@fluentui/react-components";
import { useConsole } from "../context";
import { seg, type ApiFailure } from "../api/client";
import { toFailure } from "../api/usePoll";
import type { Policy } from "../api/types";
import { ErrorBar } from "../components/ErrorBar";
import { AppLink, paths } from "../router";

export function CreatePolicyPanel({ onClose }: { onClose(): void }) {
  const { api } = useConsole();
  const [name, setName] = useState("");
  const [vaultId, setVaultId] = useState("");
  const [keyName, setKeyName] = useState("");
  const [location, setLocation] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure>();
  const [created, setCreated] = useState<Policy>();

  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const body = { location: location.trim(), kind: "Encryption", identity: { type: "SystemAssigned" },
        properties: { encryption: { state: "Enabled", keyVault: { id: vaultId.trim(), key: { name: keyName.trim() } } } } };
      setCreated(await api.call<Policy>("PUT", `enterprisePolicies/${seg(name.trim())}`, body));
    } catch (err) {
      setError(toFailure(err, "PUT /api/enterprisePolicies"));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="create-heading" className="panel" data-testid="create-policy">
      <h2 id="create-heading">Create policy</h2>
      {created ? (
        <>
          <MessageBar intent="success" layout="multiline" data-testid="policy-created">
            <MessageBarBody>
              <MessageBarTitle>Enterprise policy {created.name} created</MessageBarTitle>
              Now grant its identity, principal <code data-testid="policy-principal">{created.identity.principalId}</code>, the
              {" "}<strong>Key Vault Crypto Service Encryption User</strong> role on the key in your vault, then grant <strong>Reader</strong> on the
              policy to the platform administrators who will add environments.
            </MessageBarBody>
          </MessageBar>
          <div className="actions">
            <AppLink to={paths.policy(created.name)}>Open policy {created.name}</AppLink>
            <Button onClick={onClose}>Close</Button>
          </div>
        </>
      ) : (
        <form className="form" onSubmit={(e) => { e.preventDefault(); void create(); }}>
          <Field label="Policy name" required hint="Letters, digits, '-' and '_'.">
            <Input value={name} onChange={(_, d) => setName(d.value)} />
          </Field>
          <Field label="Key vault resource id" required hint="/subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{vault}">
            <Input value={vaultId} onChange={(_, d) => setVaultId(d.value)} />
          </Field>
          <Field label="Key name" required>
            <Input value={keyName} onChange={(_, d) => setKeyName(d.value)} />
          </Field>
          <Field label="Region" required hint="The region of the environments it will encrypt, e.g. europe.">
            <Input value={location} onChange={(_, d) => setLocation(d.value)} />
          </Field>
          <div className="actions">
            <Button appearance="primary" type="submit" disabled={busy || !name.trim() || !vaultId.trim() || !keyName.trim() || !location.trim()}>Create</Button>
            <Button onClick={onClose} disabled={busy}>Cancel</Button>
          </div>
        </form>
      )}
      <ErrorBar error={error} doing="Creating the policy" />
    </section>
  );
}
