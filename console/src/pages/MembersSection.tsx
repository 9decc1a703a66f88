// Members: who may use the environment's data (Read or ReadWrite), granted by a platform
// administrator of the environment's tenant. Admins administer; members use the data.
import { useState } from "react";
import { Button, Field, Input, Select, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from "@fluentui/react-components";
import { useConsole } from "../context";
import { usePoll, toFailure } from "../api/usePoll";
import { seg, type ApiFailure } from "../api/client";
import type { List, Member } from "../api/types";
import { isPlatformAdmin } from "../auth/session";
import { ErrorBar } from "../components/ErrorBar";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ScrollTable } from "../components/ScrollTable";

export function MembersSection({ environmentId }: { environmentId: string }) {
  const { session } = useConsole();
  // Reading members is a platform admin's call too; a key vault admin is not offered it.
  if (!isPlatformAdmin(session)) return null;
  return <Members environmentId={environmentId} />;
}

function Members({ environmentId }: { environmentId: string }) {
  const { api } = useConsole();
  const members = usePoll(() => api.get<List<Member>>(`environments/${seg(environmentId)}/members`), 5000, `GET /api/environments/${environmentId}/members`);
  const [objectId, setObjectId] = useState("");
  const [access, setAccess] = useState<Member["access"]>("Read");
  const [error, setError] = useState<ApiFailure>();
  const [removing, setRemoving] = useState<string>();
  const list = members.data?.value ?? [];

  const add = async () => {
    setError(undefined);
    try {
      await api.call("PUT", `environments/${seg(environmentId)}/members/${seg(objectId.trim())}`, { access });
      setObjectId("");
      await members.reload();
    } catch (err) {
      setError(toFailure(err, "PUT member"));
    }
  };

  return (
    <section aria-labelledby="members-heading" className="section">
      <h2 id="members-heading">Members</h2>
      <ErrorBar error={members.error} doing="Reading the members" note="Read again every 5 s." />
      {list.length === 0 && !members.loading && !members.error ? <Text as="p">No members: no one can use this environment's data.</Text> : null}
      {list.length > 0 ? (
        <ScrollTable label="Members">
          <Table aria-label="Members">
            <TableHeader><TableRow><TableHeaderCell>Object id</TableHeaderCell><TableHeaderCell>Access</TableHeaderCell><TableHeaderCell>Action</TableHeaderCell></TableRow></TableHeader>
            <TableBody>
              {list.map((m) => (
                <TableRow key={m.objectId}>
                  <TableCell><code>{m.objectId}</code></TableCell>
                  <TableCell>{m.access}</TableCell>
                  <TableCell><Button size="small" onClick={() => setRemoving(m.objectId)} aria-label={`Remove member ${m.objectId}`}>Remove</Button></TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </ScrollTable>
      ) : null}
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void add(); }}>
        <Field label="Member's object id"><Input value={objectId} onChange={(_, d) => setObjectId(d.value)} /></Field>
        <Field label="Access">
          <Select value={access} onChange={(_, d) => setAccess(d.value as Member["access"])}>
            <option value="Read">Read</option>
            <option value="ReadWrite">ReadWrite</option>
          </Select>
        </Field>
        <Button type="submit" disabled={!objectId.trim()}>Add member</Button>
      </form>
      <ErrorBar error={error} doing="Adding the member" />
      <ConfirmDialog open={!!removing} title="Remove member" confirmLabel="Remove" onClose={() => setRemoving(undefined)}
        onConfirm={async () => {
          await api.call("DELETE", `environments/${seg(environmentId)}/members/${seg(removing!)}`);
          await members.reload();
        }}>
        <p>{removing} can no longer read or write {environmentId}'s data (on every instance within a second).</p>
      </ConfirmDialog>
    </section>
  );
}
