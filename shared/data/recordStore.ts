// Records of an environment, in one table per environment. Layout 2 (every environment created
// since; the key ring says recordLayout 2):
//   PartitionKey  bucket of the record index (4 digits, N buckets fixed in the key ring)
//   RowKey        {table index}-{record index}: the blind index of the table name, then that of
//                 (table name, record id), so a table's rows are one RowKey range in each bucket
//                 and listing a table is range lookups on the keys, not a filter
//   v             2
//   dek           id of the DEK the envelope is under (the header says the same; checked on read)
//   e             the envelope, when it fits in one binary property (64 KiB); else
//   b             the name of the blob in the environment's container that holds the envelope
// Layout 1 (older environments, still read): RowKey is the record index alone, `tx` holds the
// table index, and listing filtered on it. The bucket is the same in both, and the envelope's AAD
// names the table index and the record index in both, so a row moves to layout 2 when it is next
// written (one transaction in its partition) without being re-encrypted.
// Inside the envelope: the table name, the record id and the value (see payloads.ts).
//
// A spilled envelope gets a fresh blob name on every write and the entity is switched to it with
// If-Match, so the entity write is the one commit point: a reader sees the old or the new value,
// and the writer that replaced a blob pointer knows exactly which blob it made obsolete.
import { randomBytes } from "node:crypto";
import { odata, type TableClient, type TableEntityResult } from "@azure/data-tables";
import type { ContainerClient } from "@azure/storage-blob";
import { bucketOf, recordIndex, recordTableIndex } from "../crypto/blindIndex";
import { openEnvelope, peekDekId, sealEnvelope } from "../crypto/envelope";
import { IntegrityError } from "../crypto/integrityError";
import type { BindingContext } from "../crypto/aad";
import type { Dek } from "../crypto/dek";
import { findDek } from "../crypto/keyRing";
import { notFound, contention } from "../errors";
import { mapLimit } from "./concurrency";
import { badContinuation, openContinuation, sealContinuation } from "./continuation";
import type { RingKeys } from "./dekResolver";
import { bucketKey, type StorageNaming } from "./naming";
import { decodeRecordPayload, encodeRecordPayload } from "./payloads";
import { containerClient, ignoreNotFound, isConflict, isNotFound, statusOf, tableClient, type StorageRef } from "../storage/clients";

/** An Edm.Binary property holds at most 64 KiB. */
export const MAX_INLINE_ENVELOPE_BYTES = 64 * 1024;
const MAX_ATTEMPTS = 8;
const PARALLEL_READS = 8;

interface RecordProps {
  tx: string;
  dek: string;
  e?: Uint8Array;
  b?: string;
}

/** A record row as read from storage, with its ETag. */
export interface RecordRow extends RecordProps {
  partitionKey: string;
  rowKey: string;
  etag: string;
}

interface Location {
  partitionKey: string;
  rowKey: string;
  tx: string;
}

export interface OpenedRecord {
  table: string;
  recordId: string;
  valueJson: Uint8Array;
  /** The decrypted payload, for re-sealing it unchanged. */
  plaintext: Uint8Array;
}

/** The blob of a spilled envelope disappeared under us: another writer replaced it; re-read. */
class StaleRow extends Error {}

/** Layout 2's RowKey: table index, "-", record index ("-" sorts below every hex digit). */
const LAYOUT2_ROW_KEY = /^([0-9a-f]{64})-([0-9a-f]{64})$/;
export const layout2RowKey = (tableIndex: string, itemIndex: string) => `${tableIndex}-${itemIndex}`;
/** The RowKey range of one table in layout 2: greater than `${tx}-`... and below `${tx}.`. */
const tableRange = (tableIndex: string) => ({ from: `${tableIndex}-`, to: `${tableIndex}.` });

function toRow(entity: TableEntityResult<Record<string, unknown>>): RecordRow {
  const { partitionKey, rowKey, etag, v, dek, e, b } = entity;
  const layout2 = v === 2 ? LAYOUT2_ROW_KEY.exec(rowKey ?? "") : undefined;
  const tx = layout2 ? layout2[1] : entity.tx;
  if ((v !== undefined && !layout2) || (layout2 && entity.tx !== undefined) || typeof tx !== "string" || typeof dek !== "string" ||
    (e !== undefined && !(e instanceof Uint8Array)) || (b !== undefined && typeof b !== "string") || (e === undefined) === (b === undefined)) {
    throw new IntegrityError("Malformed", `Record row ${partitionKey}/${rowKey} is not in a record layout`);
  }
  return { partitionKey: partitionKey!, rowKey: rowKey!, etag, tx, dek, ...(e ? { e } : {}), ...(b ? { b } : {}) };
}

/** The record index of a row in either layout (layout 1's RowKey is the record index). */
const itemIndexOf = (row: { rowKey: string }) => LAYOUT2_ROW_KEY.exec(row.rowKey)?.[2] ?? row.rowKey;

// The same in both layouts: a row changes layout without being re-encrypted.
const contextOf = (environmentId: string, row: { tx: string; rowKey: string }): BindingContext => ({
  environmentId,
  store: "records",
  container: row.tx,
  itemId: itemIndexOf(row),
});

/** The entity of a row at `location`: it keeps its layout when rewritten in place (re-encryption); every new row is layout 2. */
function rowEntity(location: Location, dekId: string, staged: Pick<RecordProps, "e" | "b">) {
  const layout = LAYOUT2_ROW_KEY.test(location.rowKey) ? { v: 2 } : { tx: location.tx };
  return { partitionKey: location.partitionKey, rowKey: location.rowKey, ...layout, dek: dekId, ...staged };
}

/** Whether an environment's ring allows rows of layout 1 (environments created before layout 2). */
const mayHoldLayout1 = (keys: RingKeys) => keys.ring.recordLayout !== 2;

/** Where a listing stopped: a bucket and the last RowKey returned in it (layout 2), then layout 1's SDK token. */
type Cursor = { p: 2; b: number; a?: string } | { p: 1; c?: string };

function cursorOf(value: unknown, buckets: number): Cursor {
  const c = value as Partial<{ p: number; b: number; a: string; c: string }> | null;
  if (c?.p === 2 && Number.isInteger(c.b) && c.b! >= 0 && c.b! < buckets && (c.a === undefined || LAYOUT2_ROW_KEY.test(c.a))) return { p: 2, b: c.b!, ...(c.a ? { a: c.a } : {}) };
  if (c?.p === 1 && (c.c === undefined || (typeof c.c === "string" && c.c.length > 0))) return { p: 1, ...(c.c ? { c: c.c } : {}) };
  throw badContinuation();
}

/** Bucket queries one page may make: a page of a small table in many buckets ends early, with a token. */
const MAX_BUCKET_QUERIES_PER_PAGE = 64;
/** Buckets queried at once, growing from 1 while they come back short of the page. */
const MAX_BUCKET_WAVE = 16;

/** Table clients kept: building one (its HTTP pipeline) costs about as much CPU as a point read. */
const MAX_CLIENTS = 1000;

/** A Table transaction: at most 100 entities, of one partition, under 4 MiB of payload. */
export const MAX_TRANSACTION_ENTITIES = 100;
const MAX_TRANSACTION_BYTES = 3 * 1024 * 1024;

/** Rows in transaction-sized batches: by count, and by the bytes of their (inline) envelopes. */
function transactionBatches(rows: readonly RecordRow[]): RecordRow[][] {
  const batches: RecordRow[][] = [];
  let current: RecordRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = (row.e?.length ?? 0) + 1024;
    if (current.length > 0 && (current.length >= MAX_TRANSACTION_ENTITIES || bytes + size > MAX_TRANSACTION_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** A transaction refused because one of its entities changed or went away (412, 404, 409). */
function isBatchConflict(err: unknown): boolean {
  const status = (err as { statusCode?: number }).statusCode;
  return status === 412 || status === 404 || status === 409;
}

export class RecordStore {
  private readonly tables = new Map<string, TableClient>();

  constructor(private readonly deps: { connectionString: StorageRef; naming: StorageNaming }) {}

  private table(environmentId: string): TableClient {
    let client = this.tables.get(environmentId);
    if (!client) {
      client = tableClient(this.deps.connectionString, this.deps.naming.recordTable(environmentId));
      if (this.tables.size >= MAX_CLIENTS) this.tables.delete(this.tables.keys().next().value!);
      this.tables.set(environmentId, client);
    }
    return client;
  }

  private container(environmentId: string): ContainerClient {
    return containerClient(this.deps.connectionString, this.deps.naming.container(environmentId));
  }

  /** Creates the environment's table (the container is created by the caller, shared with files). */
  async ensure(environmentId: string): Promise<void> {
    await this.table(environmentId).createTable();
  }

  /** Where a record is written (layout 2), and where layout 1 had it (same partition). */
  private async locate(keys: RingKeys, table: string, recordId: string): Promise<Location & { layout1RowKey: string }> {
    const indexKey = await keys.indexKey();
    const { environmentId, buckets } = keys.ring;
    const item = recordIndex(indexKey, environmentId, table, recordId);
    const tx = recordTableIndex(indexKey, environmentId, table);
    return { partitionKey: bucketKey(bucketOf(item, buckets)), rowKey: layout2RowKey(tx, item), tx, layout1RowKey: item };
  }

  /** The record's row in layout 2 and, where the ring allows it, in layout 1; read at once. */
  private async readBoth(keys: RingKeys, location: Location & { layout1RowKey: string }): Promise<[RecordRow | undefined, RecordRow | undefined]> {
    const { environmentId } = keys.ring;
    return Promise.all([
      this.readRow(environmentId, location.partitionKey, location.rowKey),
      mayHoldLayout1(keys) ? this.readRow(environmentId, location.partitionKey, location.layout1RowKey) : undefined,
    ]);
  }

  async readRow(environmentId: string, partitionKey: string, rowKey: string): Promise<RecordRow | undefined> {
    try {
      return toRow(await this.table(environmentId).getEntity<Record<string, unknown>>(partitionKey, rowKey));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async loadEnvelope(environmentId: string, row: RecordRow): Promise<Uint8Array> {
    let envelope: Uint8Array;
    if (row.e) envelope = row.e;
    else {
      try {
        envelope = new Uint8Array(await this.container(environmentId).getBlobClient(row.b!).downloadToBuffer());
      } catch (err) {
        if (isNotFound(err)) throw new StaleRow();
        throw err;
      }
    }
    // Precondition of opening: the row's DEK index agrees with the authenticated header, so the
    // per-DEK counts that prove a DEK unused cannot silently disagree with the data.
    const headerDek = peekDekId(envelope);
    if (headerDek !== row.dek) {
      throw new IntegrityError("Malformed", `Record row ${row.partitionKey}/${row.rowKey} says DEK ${row.dek} but its ciphertext names DEK ${headerDek}`);
    }
    return envelope;
  }

  /**
   * Decrypts a row and checks that the names inside are the ones its storage keys stand for.
   * `expected`: the names the row was located by (a point read), which then only need comparing.
   */
  async openRow(keys: RingKeys, row: RecordRow, expected?: { table: string; recordId: string }): Promise<OpenedRecord> {
    const { environmentId } = keys.ring;
    const envelope = await this.loadEnvelope(environmentId, row);
    const dek = await keys.dekFor(row.dek);
    const plaintext = openEnvelope({ envelope, dek, context: contextOf(environmentId, row) });
    const payload = decodeRecordPayload(plaintext);
    // Postcondition: the record is the one stored here. The AAD already binds the storage keys;
    // this binds the names to them (for a point read, the keys were computed from these names).
    const here = expected
      ? payload.table === expected.table && payload.recordId === expected.recordId
      : await this.indexesMatch(keys, row, payload);
    if (!here) throw new IntegrityError("LocationMismatch", `Record row ${row.partitionKey}/${row.rowKey} holds a record that belongs elsewhere`);
    return { ...payload, plaintext };
  }

  private async indexesMatch(keys: RingKeys, row: RecordRow, payload: { table: string; recordId: string }): Promise<boolean> {
    const indexKey = await keys.indexKey();
    const { environmentId } = keys.ring;
    const item = recordIndex(indexKey, environmentId, payload.table, payload.recordId);
    const tx = recordTableIndex(indexKey, environmentId, payload.table);
    return row.tx === tx && (row.rowKey === layout2RowKey(tx, item) || row.rowKey === item);
  }

  /** Uploads a spilled envelope under a fresh name, or keeps it inline. */
  private async stage(environmentId: string, location: Location, envelope: Uint8Array): Promise<Pick<RecordProps, "e" | "b">> {
    if (envelope.length <= MAX_INLINE_ENVELOPE_BYTES) return { e: envelope };
    const name = `records/${location.partitionKey}/${location.rowKey}/${randomBytes(12).toString("hex")}`;
    await this.container(environmentId).getBlockBlobClient(name).uploadData(envelope, { blobHTTPHeaders: { blobContentType: "application/octet-stream" } });
    return { b: name };
  }

  private async deleteBlob(environmentId: string, name: string | undefined): Promise<void> {
    if (name) await this.container(environmentId).getBlobClient(name).deleteIfExists();
  }

  /**
   * Writes the envelope at `location` if the row is still as `expected` (its ETag, or absent).
   * Returns false when someone wrote in between (nothing changed then).
   */
  private async commit(environmentId: string, location: Location, dekId: string, staged: Pick<RecordProps, "e" | "b">, expected: RecordRow | undefined, replacing?: RecordRow): Promise<boolean> {
    const entity = rowEntity(location, dekId, staged);
    try {
      if (expected) await this.table(environmentId).updateEntity(entity, "Replace", { etag: expected.etag });
      else if (replacing) {
        // Moving a layout 1 row to layout 2: both in one partition, so one transaction. (A delete
        // in a transaction takes no ETag; a concurrent writer of this code creates the same
        // layout 2 row, and one of the two transactions fails on it.)
        await this.table(environmentId).submitTransaction([["create", entity], ["delete", { partitionKey: replacing.partitionKey, rowKey: replacing.rowKey }]]);
      } else await this.table(environmentId).createEntity(entity);
    } catch (err) {
      if (isConflict(err) || statusOf(err) === 404) return false;
      throw err;
    }
    // The replaced envelope's blob is now unreachable; a crash here leaves an orphan, never a hole.
    const obsolete = (expected ?? replacing)?.b;
    if (obsolete && obsolete !== staged.b) await this.deleteBlob(environmentId, obsolete);
    return true;
  }

  /**
   * Writes a record; returns whether it was created. `keys` (a recent ring) locates it; the DEK
   * it ends under is the active DEK of `current` (default: `keys`), a ring read for this call.
   * In a layout 2 environment the first attempt creates the row under the recent ring's DEK
   * while `current` is read: a new record then costs one round trip. If the row exists, or
   * `current` names another active DEK, the write goes on as a conditional replace under it.
   */
  async put(keys: RingKeys, table: string, recordId: string, valueJson: string, current: Promise<RingKeys> = Promise.resolve(keys)): Promise<{ created: boolean }> {
    const { environmentId } = keys.ring;
    const location = await this.locate(keys, table, recordId);
    const plaintext = encodeRecordPayload(table, recordId, valueJson);
    if (mayHoldLayout1(keys)) return this.writeOver(keys, location, plaintext, await current);
    const recent = await keys.activeDek();
    const staged = await this.stage(environmentId, location, sealEnvelope({ dek: recent, context: contextOf(environmentId, location), plaintext }));
    let created: boolean;
    let ring: RingKeys;
    try {
      [created, ring] = await Promise.all([this.commit(environmentId, location, recent.id, staged, undefined), current]);
    } catch (err) {
      // Nothing refers to the staged blob unless the create committed; a committed row keeps it.
      if (!(await this.readRow(environmentId, location.partitionKey, location.rowKey).catch(() => undefined))?.b) await this.deleteBlob(environmentId, staged.b).catch(() => undefined);
      throw err;
    }
    // `recent` stands unless the write's ring (keysForWrite) knows a newer DEK took over from it (a
    // DEK it does not know at all was made since, by a rollover of this very write's reservation).
    const superseded = findDek(ring.ring, recent.id) !== undefined && ring.ring.activeDekId !== recent.id;
    if (created && !superseded) return { created: true };
    if (!created) await this.deleteBlob(environmentId, staged.b);
    // Postcondition either way: the record is under the current active DEK.
    const over = await this.writeOver(keys, location, plaintext, ring);
    return { created: created || over.created };
  }

  /** Read, then create or replace conditionally (moving a layout 1 row), under `current`'s active DEK. */
  private async writeOver(keys: RingKeys, location: Location & { layout1RowKey: string }, plaintext: Uint8Array, current: RingKeys): Promise<{ created: boolean }> {
    const { environmentId } = keys.ring;
    let [[existing, layout1], dek] = await Promise.all([this.readBoth(keys, location), current.activeDek()]);
    const envelope = sealEnvelope({ dek, context: contextOf(environmentId, location), plaintext });
    const staged = await this.stage(environmentId, location, envelope);
    try {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        if (attempt > 0) [existing, layout1] = await this.readBoth(keys, location);
        const replacing = existing ? undefined : layout1;
        if (await this.commit(environmentId, location, dek.id, staged, existing, replacing)) return { created: !existing && !replacing };
      }
    } catch (err) {
      await this.deleteBlob(environmentId, staged.b).catch(() => undefined);
      throw err;
    }
    await this.deleteBlob(environmentId, staged.b);
    throw contention("RecordWriteConflict", "The record kept changing while it was written; retry.", "recordId", 1);
  }

  async get(keys: RingKeys, table: string, recordId: string): Promise<Uint8Array> {
    const location = await this.locate(keys, table, recordId);
    const [layout2, layout1] = await this.readBoth(keys, location);
    const row = layout2 ?? layout1;
    const opened = row && (await this.openRowFresh(keys, row, { table, recordId }));
    if (!opened) throw notFound("RecordNotFound", `Table ${JSON.stringify(table)} has no record ${JSON.stringify(recordId)}.`, "recordId");
    return opened.valueJson;
  }

  async delete(keys: RingKeys, table: string, recordId: string): Promise<void> {
    const { environmentId } = keys.ring;
    const location = await this.locate(keys, table, recordId);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const [layout2, layout1] = await this.readBoth(keys, location);
      const row = layout2 ?? layout1;
      if (!row) throw notFound("RecordNotFound", `Table ${JSON.stringify(table)} has no record ${JSON.stringify(recordId)}.`, "recordId");
      try {
        await this.table(environmentId).deleteEntity(row.partitionKey, row.rowKey, { etag: row.etag });
      } catch (err) {
        if (isConflict(err) || isNotFound(err)) continue;
        throw err;
      }
      await this.deleteBlob(environmentId, row.b);
      return;
    }
    throw contention("RecordWriteConflict", "The record kept changing while it was deleted; retry.", "recordId", 1);
  }

  /**
   * One page of a table's records: range lookups on the storage keys, bucket by bucket in key
   * order (then, where the ring allows layout 1 rows, the old filtered query). The continuation
   * is sealed (continuation.ts) to this table, this environment and `scope`, so no storage key
   * reaches the caller. A page may hold fewer than `pageSize` records and still continue.
   */
  async list(keys: RingKeys, table: string, pageSize: number, continuation?: string, scope = ""): Promise<{ records: { recordId: string; valueJson: Uint8Array }[]; continuation?: string }> {
    const indexKey = await keys.indexKey();
    const { environmentId, buckets } = keys.ring;
    const binding = { environmentId, table, scope };
    const tx = recordTableIndex(indexKey, environmentId, table);
    let cursor: Cursor | undefined = continuation === undefined ? { p: 2, b: 0 } : cursorOf(openContinuation(indexKey, binding, continuation), buckets);
    const rows: RecordRow[] = [];
    if (cursor.p === 2) {
      cursor = await this.listLayout2(environmentId, tx, buckets, pageSize, cursor, rows);
      if (cursor.p === 1 && !mayHoldLayout1(keys)) cursor = undefined;
    }
    if (cursor?.p === 1 && rows.length === 0) cursor = await this.listLayout1(environmentId, tx, pageSize, cursor, rows);
    const records = await mapLimit(rows, PARALLEL_READS, async (row) => {
      const opened = await this.openRowFresh(keys, row);
      return opened && { recordId: opened.recordId, valueJson: opened.valueJson };
    });
    return { records: records.filter((r) => r !== undefined), ...(cursor ? { continuation: sealContinuation(indexKey, binding, cursor) } : {}) };
  }

  /** Fills `rows` from layout 2's ranges from `cursor` on; where to go on, or { p: 1 } past the last bucket. */
  private async listLayout2(environmentId: string, tx: string, buckets: number, pageSize: number, cursor: { p: 2; b: number; a?: string }, rows: RecordRow[]): Promise<Cursor> {
    const range = tableRange(tx);
    let { b: bucket, a: after } = cursor;
    let wave = 1;
    for (let queries = 0; bucket < buckets && queries < MAX_BUCKET_QUERIES_PER_PAGE; wave = Math.min(wave * 2, MAX_BUCKET_WAVE)) {
      const need = pageSize - rows.length;
      const width = Math.min(wave, buckets - bucket, MAX_BUCKET_QUERIES_PER_PAGE - queries);
      queries += width;
      // Buckets [bucket, bucket + width) at once; their rows are taken in bucket order.
      const pages = await Promise.all(Array.from({ length: width }, (_, i) => {
        const pk = bucketKey(bucket + i);
        const lower = i === 0 && after ? after : range.from;
        const filter = odata`PartitionKey eq ${pk} and RowKey gt ${lower} and RowKey lt ${range.to}`;
        return this.table(environmentId).listEntities<Record<string, unknown>>({ queryOptions: { filter } }).byPage({ maxPageSize: need }).next()
          .then((r) => ({ rows: (r.value ?? []).map(toRow), more: !!r.value?.continuationToken }));
      }));
      for (const page of pages) {
        const taken = page.rows.slice(0, pageSize - rows.length);
        rows.push(...taken);
        if (taken.length < page.rows.length || (page.more && taken.length > 0)) return { p: 2, b: bucket, a: taken[taken.length - 1].rowKey };
        if (page.more) return { p: 2, b: bucket, ...(after ? { a: after } : {}) }; // a page full of nothing: go on from here
        bucket++;
        after = undefined;
        if (rows.length >= pageSize) return bucket < buckets ? { p: 2, b: bucket } : { p: 1 };
      }
    }
    return bucket < buckets ? { p: 2, b: bucket, ...(after ? { a: after } : {}) } : { p: 1 };
  }

  /** Layout 1: the filter on `tx` (a scan), for environments whose rows may predate layout 2. */
  private async listLayout1(environmentId: string, tx: string, pageSize: number, cursor: { p: 1; c?: string }, rows: RecordRow[]): Promise<Cursor | undefined> {
    const pages = this.table(environmentId).listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`tx eq ${tx}` } });
    let token = cursor.c;
    // A filtered query may return empty pages that still continue; skip a few of those so a
    // caller usually gets records or the end, and always a token to go on with.
    for (let empty = 0; ; empty++) {
      const page = (await pages.byPage({ maxPageSize: pageSize, continuationToken: token }).next()).value;
      token = page?.continuationToken;
      rows.push(...(page ?? []).map(toRow));
      if (rows.length > 0 || !token || empty >= 4) return token ? { p: 1, c: token } : undefined;
    }
  }

  /** openRow, re-reading the row while a concurrent writer swaps its blob; undefined if deleted. */
  async openRowFresh(keys: RingKeys, row: RecordRow, expected?: { table: string; recordId: string }): Promise<OpenedRecord | undefined> {
    let current: RecordRow | undefined = row;
    for (let attempt = 0; attempt < MAX_ATTEMPTS && current; attempt++) {
      try {
        return await this.openRow(keys, current, expected);
      } catch (err) {
        if (!(err instanceof StaleRow)) throw err;
        current = await this.readRow(keys.ring.environmentId, row.partitionKey, row.rowKey);
      }
    }
    if (!current) return undefined;
    throw contention("RecordReadConflict", "A record kept changing while it was read; retry.", undefined, 1);
  }

  // ---- whole-partition primitives (re-encryption, usage counts, deletion) ----

  /** One page of a bucket's rows, in row key order. */
  async scanPartition(environmentId: string, bucket: number, maxItems: number, continuation?: string): Promise<{ rows: RecordRow[]; continuation?: string }> {
    const pages = this.table(environmentId)
      .listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${bucketKey(bucket)}` } })
      .byPage({ maxPageSize: maxItems, continuationToken: continuation });
    const page = (await pages.next()).value;
    return { rows: (page ?? []).map(toRow), continuation: page?.continuationToken };
  }

  /**
   * Re-seals one row under `target` unless it already is, with If-Match on its ETag: a user write
   * in between wins, and the row is re-read and tried again.
   */
  async rewrite(keys: RingKeys, row: RecordRow, target: Dek): Promise<"rewritten" | "skipped"> {
    const { environmentId } = keys.ring;
    let current: RecordRow | undefined = row;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (!current || current.dek === target.id) return "skipped";
      const opened = await this.openRowFresh(keys, current);
      if (!opened) return "skipped";
      const envelope = sealEnvelope({ dek: target, context: contextOf(environmentId, current), plaintext: opened.plaintext });
      const location = { partitionKey: current.partitionKey, rowKey: current.rowKey, tx: current.tx };
      const staged = await this.stage(environmentId, location, envelope);
      if (await this.commit(environmentId, location, target.id, staged, current)) return "rewritten";
      await this.deleteBlob(environmentId, staged.b);
      current = await this.readRow(environmentId, row.partitionKey, row.rowKey);
    }
    throw contention("RecordWriteConflict", `Record row ${row.partitionKey}/${row.rowKey} kept changing during re-encryption; rerun the partition.`);
  }

  /**
   * Re-seals a page of one bucket's rows under `target` with Table transactions: up to 100 rows
   * (and under 4 MiB of envelopes) per transaction, every update conditioned on the row's ETag.
   * A transaction is all or nothing, so when one row changed under us (a user write won) the
   * whole batch is refused and that batch falls back to `rewrite`, row by row, which re-reads
   * each changed row; nothing is written twice or lost.
   */
  async rewriteBatch(keys: RingKeys, rows: readonly RecordRow[], target: Dek, parallelism: number): Promise<("rewritten" | "skipped")[]> {
    const { environmentId } = keys.ring;
    const outcomes = new Map<RecordRow, "rewritten" | "skipped">();
    const todo = rows.filter((row) => {
      if (row.dek !== target.id) return true;
      outcomes.set(row, "skipped");
      return false;
    });
    for (const batch of transactionBatches(todo)) {
      const sealed = await mapLimit(batch, parallelism, async (row) => {
        const opened = await this.openRowFresh(keys, row);
        if (!opened) return undefined;
        const envelope = sealEnvelope({ dek: target, context: contextOf(environmentId, row), plaintext: opened.plaintext });
        return { row, staged: await this.stage(environmentId, row, envelope) };
      });
      const writes = sealed.filter((w) => w !== undefined);
      for (const row of batch) if (!writes.some((w) => w.row === row)) outcomes.set(row, "skipped");
      if (writes.length === 0) continue;
      let committed = true;
      try {
        await this.table(environmentId).submitTransaction(writes.map(({ row, staged }) => [
          "update", rowEntity(row, target.id, staged), "Replace", { etag: row.etag },
        ]));
      } catch (err) {
        if (!isBatchConflict(err)) {
          await Promise.all(writes.map((w) => this.deleteBlob(environmentId, w.staged.b).catch(() => undefined)));
          throw err;
        }
        committed = false;
      }
      if (committed) {
        for (const w of writes) outcomes.set(w.row, "rewritten");
        // The replaced envelopes' blobs are unreachable now; a crash here leaves orphans, never holes.
        await mapLimit(writes.filter((w) => w.row.b && w.row.b !== w.staged.b), parallelism, (w) => this.deleteBlob(environmentId, w.row.b));
        continue;
      }
      await Promise.all(writes.map((w) => this.deleteBlob(environmentId, w.staged.b)));
      const single = await mapLimit(writes, parallelism, async (w) => {
        const fresh = await this.readRow(environmentId, w.row.partitionKey, w.row.rowKey);
        return fresh ? this.rewrite(keys, fresh, target) : "skipped" as const;
      });
      writes.forEach((w, i) => outcomes.set(w.row, single[i]));
    }
    return rows.map((row) => outcomes.get(row)!);
  }

  /**
   * One page of a bucket's rows (or, bucket undefined, the table's), only their DEK ids (the `dek` index): what counting by DEK needs,
   * without the envelopes. An environment with no table yet has none.
   */
  async dekIdsPage(environmentId: string, bucket: number | undefined, maxItems: number, continuation?: string): Promise<{ dekIds: string[]; continuation?: string }> {
    let out: { dekIds: string[]; continuation?: string } = { dekIds: [] };
    await ignoreNotFound(async () => {
      const filter = bucket === undefined ? {} : { filter: odata`PartitionKey eq ${bucketKey(bucket)}` };
      const pages = this.table(environmentId)
        .listEntities<{ dek?: string }>({ queryOptions: { ...filter, select: ["dek"] } })
        .byPage({ maxPageSize: maxItems, continuationToken: continuation });
      const page = (await pages.next()).value;
      out = { dekIds: (page ?? []).map((e: { dek?: string }) => String(e.dek)), ...(page?.continuationToken ? { continuation: page.continuationToken } : {}) };
    });
    return out;
  }

  /** How many rows are under each DEK (from the `dek` index, which reads check against the header). */
  async countByDek(environmentId: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    await ignoreNotFound(async () => {
      for await (const entity of this.table(environmentId).listEntities<{ dek?: string }>({ queryOptions: { select: ["dek"] } })) {
        const dek = String(entity.dek);
        counts.set(dek, (counts.get(dek) ?? 0) + 1);
      }
    });
    return counts;
  }

  /** Deletes every record row and spilled value; the table itself stays, ready for new data. */
  async deleteAll(environmentId: string): Promise<void> {
    const rows: { partitionKey: string; rowKey: string; b?: string }[] = [];
    await ignoreNotFound(async () => {
      for await (const e of this.table(environmentId).listEntities<{ b?: string }>({ queryOptions: { select: ["PartitionKey", "RowKey", "b"] } })) {
        rows.push({ partitionKey: e.partitionKey!, rowKey: e.rowKey!, b: e.b });
      }
    });
    await mapLimit(rows, 16, async (row) => {
      await this.table(environmentId).deleteEntity(row.partitionKey, row.rowKey).catch((err) => {
        if (!isNotFound(err)) throw err;
      });
      await this.deleteBlob(environmentId, row.b);
    });
    // Orphans a crash left between staging a blob and committing its row.
    await ignoreNotFound(async () => {
      for await (const blob of this.container(environmentId).listBlobsFlat({ prefix: "records/" })) await this.deleteBlob(environmentId, blob.name);
    });
  }
}
