// Restore and copy move data INTO an environment from a backup or from another environment's
// live data. Ciphertext never crosses environments: each envelope's AAD binds the source
// environment and its storage keys, and storage keys are blind indexes under the source's index
// key. So every item is opened with the source's keys (the stores check it is the item its
// storage keys stand for), and written again through the target's stores under the target's
// active DEK and index key, as a user write would be. A restore into the same environment does
// the same: the backup's DEKs may be retired in the live key ring, and everything live must be
// under the ring's DEKs.
//
// A transfer replaces the target's data without deleting it row by row: the items are written
// into a fresh storage generation (generations.ts buildGenerationLike: a new table, container and
// key ring on the target's key), page by page with a checkpoint, and the environment switches to
// it at the end; its old generation is then deleted in bounded pages. A rerun from any checkpoint
// rewrites the same items (last write wins); a failure before the switch leaves the target as it
// was.
import { notFound, conflict } from "../errors";
import { mapLimit } from "../data/concurrency";
import type { RingKeys } from "../data/dekResolver";
import type { KeyRing } from "../crypto/keyRing";
import type { RecordRow } from "../data/recordStore";
import { isNotFound } from "../storage/clients";
import type { BackupContext } from "./context";
import type { PrepareTransferInput, TransferPartitionInput, TransferSource } from "./contracts";
import { backupKeys } from "./backupKeys";
import type { BackupManifest } from "./manifest";

const PAGES_PER_CALL = 5;
const PARALLEL = 8;

/** `dataId`: the data id of the environment the backup was taken from. */
export async function completedBackup(bc: BackupContext, dataId: string, backupId: string): Promise<BackupManifest> {
  const found = await bc.store.readManifest(dataId, backupId);
  if (!found) throw notFound("BackupNotFound", `The environment has no backup '${backupId}'.`, "backupId");
  if (found.manifest.status !== "Completed") throw conflict("BackupNotCompleted", `Backup '${backupId}' is ${found.manifest.status}; only a completed backup can be restored.`, "backupId");
  return found.manifest;
}

async function sourceKeys(bc: BackupContext, source: TransferSource, manifest?: BackupManifest): Promise<RingKeys> {
  return source.kind === "backup" ? backupKeys(manifest!, bc.wrapperFor) : bc.data.keys.keysFor(source.dataId);
}

/**
 * Before a restore or copy: the source is there (a completed backup, or an environment with a key
 * ring) and the target's key works. Returns the source's partitions, its size when known without a
 * scan (a backup's manifest counts; a live environment is counted page by page by the flow, under
 * `sourceDekId`), and the target's key ring the fresh generation is built like. Changes nothing.
 */
export async function checkTransfer(bc: BackupContext, input: PrepareTransferInput): Promise<{ buckets: number; items?: number; sourceDekId?: string; target: KeyRing }> {
  let source: { buckets: number; items?: number; sourceDekId?: string };
  if (input.source.kind === "backup") {
    const manifest = await completedBackup(bc, input.source.dataId, input.source.backupId);
    source = { buckets: manifest.buckets, items: manifest.items.records + manifest.items.files };
  } else {
    const ring = await bc.data.rings.read(input.source.dataId);
    if (!ring) throw notFound("KeyRingNotFound", `Environment '${input.source.environmentId}' has no encrypted data store.`, "sourceEnvironmentId");
    source = { buckets: ring.buckets, sourceDekId: ring.activeDekId };
  }
  // The target's keys must work before anything is built for it: a target whose key is lost
  // fails here, with its data intact.
  const target = await bc.data.keys.keysFor(input.dataId);
  await target.activeDek();
  return { ...source, target: target.ring };
}

export async function transferPartition(bc: BackupContext, input: TransferPartitionInput): Promise<{ done: boolean; continuation?: string; items: number }> {
  const { source, bucket, pageSize } = input;
  const manifest = source.kind === "backup" ? await completedBackup(bc, source.dataId, source.backupId) : undefined;
  const [from, to] = await Promise.all([sourceKeys(bc, source, manifest), bc.data.keys.keysFor(input.dataId)]);
  let continuation = input.continuation;
  let items = 0;

  const putRecord = async (row: RecordRow, fresh: boolean) => {
    const opened = fresh ? await bc.data.records.openRowFresh(from, row) : await bc.data.records.openRow(from, row);
    if (!opened) return 0;
    try {
      await bc.data.records.put(to, opened.table, opened.recordId, Buffer.from(opened.valueJson).toString("utf8"));
    } finally {
      opened.plaintext.fill(0);
    }
    return 1;
  };
  const putFile = async (name: string, envelope: Uint8Array, dekId: string | undefined) => {
    const opened = await bc.data.files.open(from, name, envelope, dekId);
    try {
      await bc.data.files.put(to, opened.path, opened.body);
    } finally {
      opened.plaintext.fill(0);
    }
    return 1;
  };
  const sum = (counts: number[]) => counts.reduce((n, c) => n + c, 0);

  for (let page = 0; page < PAGES_PER_CALL; page++) {
    if (input.store === "records" && manifest) {
      const segment = Number(continuation ?? "0");
      const count = manifest.recordSegments?.[bucket];
      const lines = count !== undefined && segment >= count ? undefined : await bc.store.readRecordSegment(source.dataId, manifest.backupId, bucket, segment);
      if (!lines) return { done: true, items };
      const rows: RecordRow[] = lines.map((l) => ({ partitionKey: l.pk, rowKey: l.rk, etag: "", tx: l.tx, dek: l.dek, e: new Uint8Array(Buffer.from(l.e, "base64")) }));
      items += sum(await mapLimit(rows, PARALLEL, (row) => putRecord(row, false)));
      continuation = String(segment + 1);
      continue;
    }
    if (input.store === "records") {
      const scanned = await bc.data.records.scanPartition(source.dataId, bucket, pageSize, continuation);
      items += sum(await mapLimit(scanned.rows, PARALLEL, (row) => putRecord(row, true)));
      continuation = scanned.continuation;
    } else if (manifest) {
      const listed = await bc.store.listFiles(source.dataId, manifest.backupId, bucket, pageSize, continuation);
      items += sum(await mapLimit(listed.names, PARALLEL, async (name) => {
        const { envelope, dekId } = await bc.store.readFile(name);
        return putFile(name, envelope, dekId);
      }));
      continuation = listed.continuation;
    } else {
      const scanned = await bc.data.files.scanPartition(source.dataId, bucket, pageSize, continuation);
      items += sum(await mapLimit(scanned.blobs, PARALLEL, async (blob) => {
        let response;
        try {
          response = await bc.data.files.container(source.dataId).getBlobClient(blob.name).download();
        } catch (err) {
          if (isNotFound(err)) return 0; // deleted since it was listed
          throw err;
        }
        const chunks: Buffer[] = [];
        for await (const chunk of response.readableStreamBody!) chunks.push(chunk as Buffer);
        return putFile(blob.name, new Uint8Array(Buffer.concat(chunks)), response.metadata?.dek);
      }));
      continuation = scanned.continuation;
    }
    if (!continuation) return { done: true, items };
  }
  return { done: false, continuation, items };
}
