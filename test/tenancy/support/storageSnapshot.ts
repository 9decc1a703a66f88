// Everything one keyward stores, read straight from storage: every entity of every table and
// every blob of every container whose name starts with its namespace (its state tables, its task
// hub, its environments' record tables and containers, backups); an empty table or container
// counts as none (keyward creates its tables on first use). A refusal that changed nothing
// leaves this snapshot equal, ETag for ETag; `changes` names what differs, for the failure report.
import { TableServiceClient, TableClient } from "@azure/data-tables";
import { BlobServiceClient } from "@azure/storage-blob";

/** "table|<table>|<partition>|<row>" or "blob|<container>|<name>" -> what identifies its content. */
export type StorageSnapshot = Map<string, string>;

export interface SnapshotScope {
  connectionString: string;
  /** KEYWARD_STATE_PREFIX: every table and container of that keyward starts with it (any case). */
  namespace: string;
  /** Left out: rows a call may write without changing anyone's state (e.g. the caller's own audit rows). */
  ignore?: (key: string) => boolean;
}

export async function storageSnapshot(scope: SnapshotScope): Promise<StorageSnapshot> {
  const prefix = scope.namespace.toLowerCase();
  const out: StorageSnapshot = new Map();
  const tables = TableServiceClient.fromConnectionString(scope.connectionString, { allowInsecureConnection: true });
  const names: string[] = [];
  for await (const t of tables.listTables()) if (t.name?.toLowerCase().startsWith(prefix)) names.push(t.name);
  for (const name of names.sort()) {
    const client = TableClient.fromConnectionString(scope.connectionString, name, { allowInsecureConnection: true });
    for await (const e of client.listEntities<Record<string, unknown>>()) {
      const { partitionKey, rowKey, etag, timestamp: _t, ...rest } = e as Record<string, unknown>;
      out.set(`table|${name}`, "holds rows");
      out.set(`table|${name}|${String(partitionKey)}|${String(rowKey)}`, `${String(etag)} ${JSON.stringify(rest)}`);
    }
  }
  const blobs = BlobServiceClient.fromConnectionString(scope.connectionString);
  for await (const c of blobs.listContainers({ prefix })) {
    for await (const b of blobs.getContainerClient(c.name).listBlobsFlat({ includeMetadata: true })) {
      out.set(`blob|${c.name}`, "holds blobs");
      out.set(`blob|${c.name}|${b.name}`, `${b.properties.etag} ${b.properties.contentLength} ${JSON.stringify(b.metadata ?? {})}`);
    }
  }
  if (scope.ignore) for (const key of [...out.keys()]) if (scope.ignore(key)) out.delete(key);
  return out;
}

/**
 * The instance a task hub row belongs to, when it is one of keyward's policy access watches
 * (watchPolicyAccess: started by a vault or role event, re-probing on its own timer for minutes).
 */
const watchInstanceOf = (key: string) => /^table\|[^|]*Hub[^|]*\|(watch-[^|]+)\|/.exec(key)?.[1];

/**
 * What differs between two snapshots: "+ key" added, "- key" removed, "~ key" changed. A watch
 * that was already running before is background work on its own clock, so its task hub rows are
 * left out; a watch that a call started shows.
 */
export function changes(before: StorageSnapshot, after: StorageSnapshot): string[] {
  const running = new Set([...before.keys()].map(watchInstanceOf).filter((id): id is string => id !== undefined));
  const background = (key: string) => { const id = watchInstanceOf(key); return id !== undefined && running.has(id); };
  return rawChanges(before, after).filter((c) => !background(c.slice(2)));
}

function rawChanges(before: StorageSnapshot, after: StorageSnapshot): string[] {
  const out: string[] = [];
  for (const [k, v] of after) {
    if (!before.has(k)) out.push(`+ ${k}`);
    else if (before.get(k) !== v) out.push(`~ ${k}`);
  }
  for (const k of before.keys()) if (!after.has(k)) out.push(`- ${k}`);
  return out.sort();
}
