// Storage generations: an environment's data (records table, container, key ring, backups) lives
// under its data id. A reset, restore or copy does not delete that data row by row: it builds a
// fresh generation under a new data id, switches the environment's state row to it (one
// conditional write), and then deletes the retired generation in bounded steps:
//   - the table and the container go in one call each (Azure deletes their contents in the
//     background; a data id is never reused, so the name being unavailable for a while is moot);
//   - the key ring row is one delete;
//   - backups share one container across environments, so theirs go in pages of a bounded
//     number of blobs, one page per activity call. A restore or copy keeps them: the
//     environment's backups stay under the data id they were stored under (backupsDataId).
// The environment lists its retired data ids until the last page is done, so a cleanup cut short
// (its activity out of retries) is still known and finished by the next operation.
import { createHash } from "node:crypto";
import { needs, isKeywardError } from "../errors";
import { addWrappedCopy, createKeyRing, findDek, type KeyRing, type WrappedCopy } from "../crypto/keyRing";
import { generateDek } from "../crypto/dek";
import { generateIndexKey } from "../crypto/blindIndex";
import { wrapVerified } from "../crypto/wrapping";
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
 * (one call each, idempotent), then at most `maxBlobs` of its backup blobs, unless `keepBackups`
 * (the environment's backups are still stored under this data id: a restore or copy replaced its
 * data, not its backups). `done` when nothing of it is left.
 */
export async function deleteRetiredPage(bc: BackupContext, dataId: string, maxBlobs = RETIRED_BLOBS_PER_PAGE, keepBackups = false): Promise<{ done: boolean; blobsDeleted: number; backupsDeleted: number }> {
  const { naming } = bc.data;
  await Promise.all([
    ignoring404(() => tableClient(bc.deps.connectionString, naming.recordTable(dataId)).deleteTable()),
    ignoring404(() => containerClient(bc.deps.connectionString, naming.container(dataId)).deleteIfExists()),
    bc.data.rings.delete(dataId),
  ]);
  if (keepBackups) return { done: true, blobsDeleted: 0, backupsDeleted: 0 };
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

/**
 * The fresh generation a restore or copy writes into: its table and container, and a key ring
 * with a new DEK and a new index key, each wrapped under exactly the key versions `like`'s active
 * DEK and index key are wrapped under (the environment stays on its key, as a DEK rollover
 * does). Idempotent: a rerun finds the ring built before and returns it.
 */
export async function buildGenerationLike(bc: BackupContext, like: KeyRing, freshId: string): Promise<KeyRing> {
  needs(freshId !== like.environmentId, "a fresh generation has a data id of its own");
  await Promise.all([bc.data.records.ensure(freshId), bc.data.files.ensure(freshId)]);
  const existing = await bc.data.rings.read(freshId);
  if (existing) return existing;
  const active = findDek(like, like.activeDekId);
  needs(active && active.wrapped.length > 0, `the ring of ${like.environmentId} has its active DEK wrapped`);
  const wrapLike = (copies: WrappedCopy[], secret: Uint8Array) =>
    Promise.all(copies.map((c) => wrapVerified(bc.wrapperFor(c.source, c.keyId), secret, c.source)));
  const dek = generateDek();
  const indexKey = generateIndexKey();
  try {
    const [dekCopies, indexCopies] = await Promise.all([wrapLike(active.wrapped, dek.key), wrapLike(like.indexKey.wrapped, indexKey)]);
    let ring: KeyRing = {
      ...createKeyRing({ environmentId: freshId, dekId: dek.id, dekCopy: dekCopies[0], indexKeyCopy: indexCopies[0], buckets: like.buckets, now: new Date() }),
      // Everything in a fresh generation is written now, in the current record layout.
      recordLayout: 2,
    };
    for (const copy of dekCopies.slice(1)) ring = addWrappedCopy(ring, { dekId: dek.id }, copy);
    for (const copy of indexCopies.slice(1)) ring = addWrappedCopy(ring, "indexKey", copy);
    try {
      return await bc.data.rings.create(ring);
    } catch (err) {
      // A concurrent rerun built it first; its ring is the generation's.
      if (isKeywardError(err) && err.code === "KeyRingExists") return (await bc.data.rings.read(freshId))!;
      throw err;
    }
  } finally {
    dek.key.fill(0);
    indexKey.fill(0);
  }
}

/**
 * Right after an environment switched from `oldDataId` to a fresh generation: this instance
 * forgets the old generation's keys now (others within their DEK cache's TTL). A reader whose
 * cached environment state predates the operation's claim (so without its 503 flag) may still
 * read the old generation for up to the state cache's bound: it stays whole until that has passed.
 */
export async function settleAfterSwitch(deps: { dekCache: { purgeByScope(scope: string): unknown }; stateCacheMs: number }, oldDataId: string): Promise<void> {
  deps.dekCache.purgeByScope(oldDataId);
  await new Promise((resolve) => setTimeout(resolve, deps.stateCacheMs));
}
