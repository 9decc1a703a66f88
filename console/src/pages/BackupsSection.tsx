// Backups and the database operations of the reference: create a backup, restore one, copy
// another environment's data in, reset. Each asks first, saying what is replaced or erased.
import { useState } from "react";
import { Button, Field, Select, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from "@fluentui/react-components";
import { useConsole } from "../context";
import { usePoll } from "../api/usePoll";
import { seg } from "../api/client";
import type { Backup, Environment, List } from "../api/types";
import { isPlatformAdmin } from "../auth/session";
import { ErrorBar } from "../components/ErrorBar";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ScrollTable } from "../components/ScrollTable";
import { formatDate, keyVersionOf } from "../statusText";

type Pending = { kind: "backup" } | { kind: "restore"; backup: Backup } | { kind: "copy"; source: string } | { kind: "reset" };

function itemsText(items: Backup["items"]): string {
  if (typeof items === "number") return `${items} items`;
  return Object.entries(items).map(([k, v]) => `${v} ${k}`).join(", ");
}

export function BackupsSection({ environment }: { environment: Environment }) {
  const { api, session } = useConsole();
  const id = environment.id;
  const backups = usePoll(() => api.get<List<Backup>>(`environments/${seg(id)}/backups`), 3000, `GET /api/environments/${id}/backups`);
  const others = usePoll(() => api.get<List<Environment>>("environments"), 10000, "GET /api/environments");
  // The dialog stays mounted (Fluent closes it with its motion and then lets go of the page);
  // `pending` keeps what it asks about while it closes.
  const [pending, setPending] = useState<Pending>({ kind: "backup" });
  const [asking, setAsking] = useState(false);
  const ask = (p: Pending) => { setPending(p); setAsking(true); };
  const [copySource, setCopySource] = useState("");
  const platform = isPlatformAdmin(session);
  const list = backups.data?.value ?? [];
  const sources = (others.data?.value ?? []).filter((e) => e.id !== id);

  const run = async (p: Pending) => {
    if (p.kind === "backup") await api.call("POST", `environments/${seg(id)}/backups`);
    if (p.kind === "restore") await api.call("POST", `environments/${seg(id)}/restore`, { sourceEnvironmentId: p.backup.environmentId, backupId: p.backup.backupId });
    if (p.kind === "copy") await api.call("POST", `environments/${seg(id)}/copy`, { sourceEnvironmentId: p.source });
    if (p.kind === "reset") await api.call("POST", `environments/${seg(id)}/reset`);
    await backups.reload();
  };

  return (
    <section aria-labelledby="backups-heading" className="section">
      <h2 id="backups-heading">Backups</h2>
      <ErrorBar error={backups.error} doing="Reading the backups" note="Read again every 3 s." />
      {platform ? (
        <div className="actions">
          <Button onClick={() => ask({ kind: "backup" })}>Create backup</Button>
          <Button onClick={() => ask({ kind: "reset" })}>Reset</Button>
        </div>
      ) : null}
      {list.length === 0 && !backups.loading ? <Text as="p">No backups.</Text> : null}
      {list.length > 0 ? (
        <ScrollTable label="Backups">
          <Table aria-label="Backups" data-testid="backups">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Taken</TableHeaderCell>
                <TableHeaderCell>Status</TableHeaderCell>
                <TableHeaderCell>Contents</TableHeaderCell>
                <TableHeaderCell>Key versions</TableHeaderCell>
                {platform ? <TableHeaderCell>Action</TableHeaderCell> : null}
              </TableRow>
            </TableHeader>
            <TableBody>
              {list.map((b) => (
                <TableRow key={b.backupId}>
                  <TableCell>{formatDate(b.createdAt)}</TableCell>
                  <TableCell>{b.status}</TableCell>
                  <TableCell>{itemsText(b.items)}</TableCell>
                  <TableCell>{b.keyIds.map(keyVersionOf).join(", ") || "—"}</TableCell>
                  {platform ? <TableCell><Button size="small" disabled={b.status !== "Completed"} onClick={() => ask({ kind: "restore", backup: b })}
                    aria-label={`Restore the backup of ${formatDate(b.createdAt)}`} data-testid="restore-backup">Restore</Button></TableCell> : null}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </ScrollTable>
      ) : null}
      {platform ? (
        <form className="inline-form" onSubmit={(e) => { e.preventDefault(); if (copySource) ask({ kind: "copy", source: copySource }); }}>
          <Field label="Copy from environment" hint="Both must be encrypted with the same customer-managed key.">
            <Select value={copySource} onChange={(_, d) => setCopySource(d.value)}>
              <option value="">Choose an environment</option>
              {sources.map((s) => <option key={s.id} value={s.id}>{s.displayName} ({s.id})</option>)}
            </Select>
          </Field>
          <Button type="submit" disabled={!copySource}>Copy</Button>
        </form>
      ) : null}
      {(
        <ConfirmDialog open={asking} title={pending.kind === "backup" ? "Create backup" : pending.kind === "restore" ? "Restore backup" : pending.kind === "copy" ? "Copy environment" : "Reset environment"}
          confirmLabel={pending.kind === "backup" ? "Create backup" : pending.kind === "restore" ? "Restore" : pending.kind === "copy" ? "Copy" : "Reset"}
          danger={pending.kind !== "backup"} onClose={() => setAsking(false)} onConfirm={() => run(pending)}>
          {pending.kind === "backup" ? <p>A backup of {id}'s records and files is taken as they are stored (encrypted), with its keys wrapped under the key versions that protect it now. Nothing is replaced.</p> : null}
          {pending.kind === "restore" ? <p><strong>All records and files of {id} are replaced</strong> by the backup taken {formatDate(pending.backup.createdAt)}. What was written since is lost. Only the
            environment the backup came from, or one encrypted with the same customer-managed key, can be restored into.</p> : null}
          {pending.kind === "copy" ? <p><strong>All records and files of {id} are replaced</strong> by a copy of {pending.source}'s. Both must be encrypted with the same customer-managed key.</p> : null}
          {pending.kind === "reset" ? <p><strong>All records, files and backups of {id} are erased</strong>, and it returns to the platform-managed key (off its enterprise policy). This cannot be undone.</p> : null}
        </ConfirmDialog>
      )}
    </section>
  );
}
