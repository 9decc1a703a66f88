// Storage generations: an environment's data (records table, container, key ring, backups) lives
// under its data id. A reset does not delete that data row by row: it builds a fresh generation
// under a new data id, switches the environment's state row to it (one conditional write), and
// then deletes the retired generation in bounded steps:
//   - the table and the container go in one call each (Azure deletes their contents in the
//     background; a data id is never reused, so the name being unavailable for a while is moot);
//   - the key ring row is one delete;
//   - backups share one container across environments, so theirs go in pages of a bounded
//     number of blobs, one page per activity call.
// The environment lists its retired data ids until the last page is done, so a cleanup cut short
// (its activity out of retries) is still known and finished by the next operation.
import { createHash } from "node:crypto";
import { needs } from "../errors";
import { containerClient, isNotFound, tableClient } from "../storage/clients";
import type { BackupContext } from "./context";

/** Backup blobs deleted by one cleanup call at most. */
export const RETIRED_BLOBS_PER_PAGE = 500;

/**
 * The data id of the generation an operation switches to: derived from the operation and the
 * generation it replaces, so a rerun of the same step finds the generation it began. Same shape
 * as newDataId ("d" and 32 hex digits).
 */
export function freshDataId(operationId: string, retiredDataId: string): string {
  needs(operationId.length > 0 && retiredDataId.length > 0, "a fresh generation is derived from an operation and the data id it replaces");
  return `d${createHash("sha256").update(`keyward/generation/${operationId}/${retiredDataId}`).digest("hex").slice(0, 32)}`;
}

async function ignoring404(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * One bounded step of deleting a retired generation: the table, the container and the key ring
 * (one call each, idempotent), then at most `maxBlobs` of its backup blobs. `done` when nothing
 * of it is left.
 */
export async function deleteRetiredPage(bc: BackupContext, dataId: string, maxBlobs = RETIRED_BLOBS_PER_PAGE): Promise<{ done: boolean; blobsDeleted: number; backupsDeleted: number }> {
  const { naming } = bc.data;
  await Promise.all([
    ignoring404(() => tableClient(bc.deps.connectionString, naming.recordTable(dataId)).deleteTable()),
    ignoring404(() => containerClient(bc.deps.connectionString, naming.container(dataId)).deleteIfExists()),
    bc.data.rings.delete(dataId),
  ]);
  const page = await bc.store.deletePageOf(dataId, maxBlobs);
  return { done: page.done, blobsDeleted: page.deleted, backupsDeleted: page.manifests };
}

/** The whole of a retired generation, page after page: for work outside an orchestration (deleting a locked environment). */
export async function deleteRetiredWhole(bc: BackupContext, dataId: string): Promise<{ backupsDeleted: number }> {
  let backupsDeleted = 0;
  for (;;) {
    const page = await deleteRetiredPage(bc, dataId);
    backupsDeleted += page.backupsDeleted;
    if (page.done) return { backupsDeleted };
  }
}
