// Where backups live. One blob container per deployment, `{prefix}backups`, beside the
// environments' own tables and containers in the same storage account:
//
//   {env}/{backupId}/manifest.json                  the manifest (manifest.ts): ids, dates, counts,
//                                                   and the backup's wrapped DEKs and index key
//                                                   copies with the key version of each
//   {env}/{backupId}/records/{bucket}/{segment}     NDJSON, one line per record row as stored:
//                                                   {pk, rk, tx, dek, e: base64 envelope}
//                                                   (a value spilled to a blob is stored inline)
//   {env}/{backupId}/files/{bucket}/{fileIndex}     the file's envelope as stored, metadata dek
//
// `{env}` is the environment's storage name (shared/data/naming.ts: a hash of its id), so every
// backup of an environment is one prefix to list or delete. Nothing here is readable: record and
// file contents stay the environments' AES-GCM envelopes (bound by their AAD to the source
// environment and storage keys), names are blind indexes, and DEKs appear only wrapped.
import { bucketKey } from "../data/naming";

export const MANIFEST = "manifest.json";
export const BACKUP_FORMAT = "keyward-backup/1";

/** backupIds: a GUID, lower case (the ids this module makes), so routes and blob names agree. */
export const BACKUP_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function backupsContainerName(storagePrefix: string): string {
  return `${storagePrefix}backups`;
}

export interface BackupPaths {
  /** `{env}/` : every backup of the environment. */
  environment: string;
  /** `{env}/{backupId}/` : everything of one backup. */
  root: string;
  manifest: string;
  recordSegment(bucket: number, segment: number): string;
  recordBucket(bucket: number): string;
  file(bucket: number, index: string): string;
  fileBucket(bucket: number): string;
}

export function backupPaths(environmentStorageName: string, backupId: string): BackupPaths {
  const environment = `${environmentStorageName}/`;
  const root = `${environment}${backupId}/`;
  return {
    environment,
    root,
    manifest: `${root}${MANIFEST}`,
    recordBucket: (bucket) => `${root}records/${bucketKey(bucket)}/`,
    recordSegment: (bucket, segment) => `${root}records/${bucketKey(bucket)}/${String(segment).padStart(6, "0")}`,
    fileBucket: (bucket) => `${root}files/${bucketKey(bucket)}/`,
    file: (bucket, index) => `${root}files/${bucketKey(bucket)}/${index}`,
  };
}
