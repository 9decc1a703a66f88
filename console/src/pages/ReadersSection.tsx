// Readers of the policy: the platform admins who may add environments to it. The key vault
// administrator grants and revokes Reader (the reference's New-AzRoleAssignment -RoleDefinitionName Reader).
import { useState } from "react";
import { Button, Field, Input, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from "@fluentui/react-components";
import { useConsole } from "../context";
import { seg, type ApiFailure } from "../api/client";
import { toFailure } from "../api/usePoll";
import type { Policy } from "../api/types";
import { isKeysAdmin } from "../auth/session";
import { ErrorBar } from "../components/ErrorBar";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ScrollTable } from "../components/ScrollTable";

export function ReadersSection({ policy, onChanged }: { policy: Policy; onChanged(): void }) {
  const { api, session } = useConsole();
  const [objectId, setObjectId] = useState("");
  const [error, setError] = useState<ApiFailure>();
  const [busy, setBusy] = useState(false);
  const [revoking, setRevoking] = useState<string>();
  const keysAdmin = isKeysAdmin(session);
  const readers = policy.properties.readers;

  const grant = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.call("PUT", `enterprisePolicies/${seg(policy.name)}/readers/${seg(objectId.trim())}`);
      setObjectId("");
      onChanged();
    } catch (err) {
      setError(toFailure(err, "PUT readers"));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="readers-heading" className="section">
      <h2 id="readers-heading">Readers</h2>
      <Text as="p" className="muted">Only platform administrators granted Reader can add environments to this policy.</Text>
      {readers.length === 0 ? <Text as="p">No one holds Reader yet.</Text> : (
        <ScrollTable label="Readers">
          <Table aria-label="Readers" data-testid="readers">
            <TableHeader><TableRow><TableHeaderCell>Object id</TableHeaderCell>{keysAdmin ? <TableHeaderCell>Action</TableHeaderCell> : null}</TableRow></TableHeader>
            <TableBody>
              {readers.map((r) => (
                <TableRow key={r}>
                  <TableCell><code>{r}</code></TableCell>
                  {keysAdmin ? <TableCell><Button size="small" onClick={() => setRevoking(r)} aria-label={`Revoke Reader from ${r}`}>Revoke Reader</Button></TableCell> : null}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </ScrollTable>
      )}
      {keysAdmin ? (
        <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void grant(); }}>
          <Field label="Platform administrator's object id" hint="From the user's Overview in Microsoft Entra ID.">
            <Input value={objectId} onChange={(_, d) => setObjectId(d.value)} data-testid="reader-object-id" />
          </Field>
          <Button type="submit" appearance="primary" disabled={busy || !objectId.trim()}>Grant Reader</Button>
        </form>
      ) : null}
      <ErrorBar error={error} doing="Granting Reader" />
      <ConfirmDialog open={!!revoking} title="Revoke Reader" confirmLabel="Revoke" onClose={() => setRevoking(undefined)}
        onConfirm={async () => {
          await api.call("DELETE", `enterprisePolicies/${seg(policy.name)}/readers/${seg(revoking!)}`);
          onChanged();
        }}>
        <p>{revoking} can no longer add environments to {policy.name} or remove them. Environments already on the policy stay encrypted.</p>
      </ConfirmDialog>
    </section>
  );
}
