// Taking a backup: the manifest first (with a snapshot of the key ring's live DEKs and index key,
// as wrapped copies), then each partition's ciphertext copied as stored, page by page with a
// checkpoint (continuation + next segment number), then the manifest marked Completed with the
// counts. No key is unwrapped: a backup is ciphertext and wrapped keys only.
//
// Consistency: the environment serves while it is backed up (one operation at a time, so no
// re-key moves its data meanwhile), so a backup is a fuzzy snapshot, like an online export: each
// item is as it was when its page was read. Every DEK an item can be under is in the snapshot:
// new writes use the active DEK, which is in it, and no DEK retires while the backup holds the
// environment's operation slot. A rotation's re-wrap may run meanwhile; it re-wraps this
// manifest too (follow.ts), even while it is Creating.
import { peekDekId } from "../crypto/envelope";
import { IntegrityError } from "../crypto/integrityError";
import { notFound } from "../errors";
import { mapLimit } from "../data/concurrency";
import type { RecordRow } from "../data/recordStore";
import { isNotFound } from "../storage/clients";
import type { Environment } from "../domain/environment";
import type { BackupContext } from "./context";
import type { BackupPage, BackupPartitionInput, CompleteBackupInput } from "./contracts";
import { BACKUP_FORMAT } from "./layout";
import type { BackupRecordLine } from "./backupStore";
import type { BackupManifest } from "./manifest";
import { backupHomeOf } from "../domain/environment";

/** Pages one activity call copies before it returns a checkpoint. */
const PAGES_PER_CALL = 5;
const PARALLEL = 8;

export async function beginBackup(bc: BackupContext, input: { backupId: string; operationId: string; environment: Environment }): Promise<BackupManifest> {
  const dataId = input.environment.dataId;
  const home = backupHomeOf(input.environment);
  const existing = await bc.store.readManifest(home, input.backupId);
  if (existing) return existing.manifest;
  const ring = await bc.data.rings.read(dataId);
  if (!ring) throw notFound("KeyRingNotFound", `Environment ${input.environment.id} has no encrypted data store.`, "id");
  const now = new Date().toISOString();
  const live = ring.deks.filter((d) => d.state !== "retired");
  const enc = input.environment.encryption;
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT, backupId: input.backupId, environmentId: dataId, ...(home !== dataId ? { storedUnder: home } : {}), operationId: input.operationId,
    tenantId: input.environment.tenantId, environmentName: input.environment.id,
    status: "Creating", createdAt: now, buckets: ring.buckets,
    takenUnder: { keyType: enc.keyType, ...(enc.policy ? { policy: enc.policy } : {}), ...(enc.keyId ? { keyId: enc.keyId } : {}) },
    items: { records: 0, files: 0 },
    keys: {
      // The active DEK first: the one most items are under.
      deks: [...live.filter((d) => d.state === "active"), ...live.filter((d) => d.state !== "active")]
        .map((d) => ({ dekId: d.dekId, wrapped: d.wrapped.map((c) => ({ ...c, addedAt: now })) })),
      indexKey: { wrapped: ring.indexKey.wrapped.map((c) => ({ ...c, addedAt: now })) },
    },
  };
  if (await bc.store.createManifest(manifest)) return manifest;
  return (await bc.store.readManifest(home, input.backupId))!.manifest;
}

/** The envelope of a record row as stored, inline or spilled; undefined when the row went away. */
async function lineOf(bc: BackupContext, environmentId: string, row: RecordRow): Promise<BackupRecordLine | undefined> {
  let current: RecordRow | undefined = row;
  for (let attempt = 0; attempt < 8 && current; attempt++) {
    let envelope: Uint8Array | undefined = current.e;
    if (!envelope) {
      try {
        envelope = new Uint8Array(await bc.data.files.container(environmentId).getBlobClient(current.b!).downloadToBuffer());
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // A writer replaced the spilled value since the row was listed: read the row again.
        current = await bc.data.records.readRow(environmentId, row.partitionKey, row.rowKey);
        continue;
      }
    }
    if (peekDekId(envelope) !== current.dek) throw new IntegrityError("Malformed", `Record row ${current.partitionKey}/${current.rowKey} says DEK ${current.dek} but its ciphertext names another`);
    return { pk: current.partitionKey, rk: current.rowKey, tx: current.tx, dek: current.dek, e: Buffer.from(envelope).toString("base64") };
  }
  return undefined;
}

export async function backupPartition(bc: BackupContext, input: BackupPartitionInput): Promise<BackupPage> {
  const { dataId: environmentId, backupId, bucket, pageSize } = input;
  const home = input.backupsDataId ?? environmentId;
  let continuation = input.continuation;
  let segment = input.segment;
  let items = 0;
  for (let page = 0; page < PAGES_PER_CALL; page++) {
    if (input.store === "records") {
      const scanned = await bc.data.records.scanPartition(environmentId, bucket, pageSize, continuation);
      const lines = (await mapLimit(scanned.rows, PARALLEL, (row) => lineOf(bc, environmentId, row))).filter((l): l is BackupRecordLine => l !== undefined);
      // A rerun of this call rewrites the same segment numbers; the manifest's segment counts
      // say which segments are the backup's.
      if (lines.length > 0) await bc.store.writeRecordSegment(home, backupId, bucket, segment++, lines);
      items += lines.length;
      continuation = scanned.continuation;
    } else {
      const scanned = await bc.data.files.scanPartition(environmentId, bucket, pageSize, continuation);
      const copied = await mapLimit(scanned.blobs, PARALLEL, async (blob) => {
        try {
          const response = await bc.data.files.container(environmentId).getBlobClient(blob.name).downloadToBuffer();
          const envelope = new Uint8Array(response);
          const dekId = peekDekId(envelope);
          await bc.store.writeFile(home, backupId, bucket, blob.name.slice(blob.name.lastIndexOf("/") + 1), envelope, dekId);
          return 1;
        } catch (err) {
          if (isNotFound(err)) return 0; // deleted since it was listed
          throw err;
        }
      });
      items += copied.reduce((n: number, c) => n + c, 0);
      continuation = scanned.continuation;
    }
    if (!continuation) return { done: true, segment, items };
  }
  return { done: false, continuation, segment, items };
}

export async function completeBackup(bc: BackupContext, input: CompleteBackupInput): Promise<void> {
  const { backupId, outcome } = input;
  const home = input.backupsDataId ?? input.dataId;
  if (!outcome.ok) {
    // A failed backup is no backup: its blobs go, so nothing half-taken is ever restored or kept
    // under a key. The operation's history entry says why it failed.
    await bc.store.deleteBackup(home, backupId);
    return;
  }
  await bc.store.updateManifest(home, backupId, (m) => (m.status === "Completed" ? undefined : {
    ...m, status: "Completed", completedAt: new Date().toISOString(), items: { records: outcome.records, files: outcome.files }, recordSegments: outcome.recordSegments,
  }));
}
