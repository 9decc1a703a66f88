// Records of an environment, in one table per environment:
//   PartitionKey  bucket of the row key (4 digits, N buckets fixed in the key ring)
//   RowKey        blind index of (table name, record id)
//   tx            blind index of the table name (listing a table filters on it)
//   dek           id of the DEK the envelope is under (the header says the same; checked on read)
//   e             the envelope, when it fits in one binary property (64 KiB); else
//   b             the name of the blob in the environment's container that holds the envelope
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
import { notFound, contention } from "../errors";
import { mapLimit } from "./concurrency";
import { badContinuation, openContinuation, sealContinuation } from "./continuation";
import type { RingKeys } from "./dekResolver";
import { bucketKey, type StorageNaming } from "./naming";
import { decodeRecordPayload, encodeRecordPayload } from "./payloads";
import { containerClient, ignoreNotFound, isConflict, isNotFound, tableClient, type StorageRef } from "../storage/clients";

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

function toRow(entity: TableEntityResult<Record<string, unknown>>): RecordRow {
  const { partitionKey, rowKey, etag, tx, dek, e, b } = entity;
  if (typeof tx !== "string" || typeof dek !== "string" || (e !== undefined && !(e instanceof Uint8Array)) || (b !== undefined && typeof b !== "string") || (e === undefined) === (b === undefined)) {
    throw new IntegrityError("Malformed", `Record row ${partitionKey}/${rowKey} is not in the record layout`);
  }
  return { partitionKey: partitionKey!, rowKey: rowKey!, etag, tx, dek, ...(e ? { e } : {}), ...(b ? { b } : {}) };
}

const contextOf = (environmentId: string, row: { tx: string; rowKey: string }): BindingContext => ({
  environmentId,
  store: "records",
  container: row.tx,
  itemId: row.rowKey,
});

/** The storage SDK's token inside a sealed cursor. */
function sdkTokenOf(cursor: unknown): string {
  const c = (cursor as { c?: unknown } | null)?.c;
  if (typeof c !== "string" || c.length === 0) throw badContinuation();
  return c;
}

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

  private async locate(keys: RingKeys, table: string, recordId: string): Promise<Location> {
    const indexKey = await keys.indexKey();
    const { environmentId, buckets } = keys.ring;
    const rowKey = recordIndex(indexKey, environmentId, table, recordId);
    return { partitionKey: bucketKey(bucketOf(rowKey, buckets)), rowKey, tx: recordTableIndex(indexKey, environmentId, table) };
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
    return recordIndex(indexKey, environmentId, payload.table, payload.recordId) === row.rowKey && recordTableIndex(indexKey, environmentId, payload.table) === row.tx;
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
  private async commit(environmentId: string, location: Location, dekId: string, staged: Pick<RecordProps, "e" | "b">, expected: RecordRow | undefined): Promise<boolean> {
    const entity = { partitionKey: location.partitionKey, rowKey: location.rowKey, tx: location.tx, dek: dekId, ...staged };
    try {
      if (expected) await this.table(environmentId).updateEntity(entity, "Replace", { etag: expected.etag });
      else await this.table(environmentId).createEntity(entity);
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
    // The replaced envelope's blob is now unreachable; a crash here leaves an orphan, never a hole.
    if (expected?.b && expected.b !== staged.b) await this.deleteBlob(environmentId, expected.b);
    return true;
  }

  /**
   * Writes a record under `activeDek` (default: the ring's active DEK). Returns whether it was
   * created. The caller may pass the DEK as a promise of a fresh ring read, which then runs at the
   * same time as this read of the current row.
   */
  async put(keys: RingKeys, table: string, recordId: string, valueJson: string, activeDek: Promise<Dek> = keys.activeDek()): Promise<{ created: boolean }> {
    const { environmentId } = keys.ring;
    const location = await this.locate(keys, table, recordId);
    const [current, dek] = await Promise.all([this.readRow(environmentId, location.partitionKey, location.rowKey), activeDek]);
    let existing = current;
    const envelope = sealEnvelope({ dek, context: contextOf(environmentId, location), plaintext: encodeRecordPayload(table, recordId, valueJson) });
    const staged = await this.stage(environmentId, location, envelope);
    try {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        if (attempt > 0) existing = await this.readRow(environmentId, location.partitionKey, location.rowKey);
        if (await this.commit(environmentId, location, dek.id, staged, existing)) return { created: !existing };
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
    const row = await this.readRow(keys.ring.environmentId, location.partitionKey, location.rowKey);
    const opened = row && (await this.openRowFresh(keys, row, { table, recordId }));
    if (!opened) throw notFound("RecordNotFound", `Table ${JSON.stringify(table)} has no record ${JSON.stringify(recordId)}.`, "recordId");
    return opened.valueJson;
  }

  async delete(keys: RingKeys, table: string, recordId: string): Promise<void> {
    const { environmentId } = keys.ring;
    const location = await this.locate(keys, table, recordId);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const row = await this.readRow(environmentId, location.partitionKey, location.rowKey);
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
   * One page of a table's records. The continuation is sealed (continuation.ts) to this table,
   * this environment and `scope`, so no storage key reaches the caller.
   */
  async list(keys: RingKeys, table: string, pageSize: number, continuation?: string, scope = ""): Promise<{ records: { recordId: string; valueJson: Uint8Array }[]; continuation?: string }> {
    const indexKey = await keys.indexKey();
    const binding = { environmentId: keys.ring.environmentId, table, scope };
    const tx = recordTableIndex(indexKey, keys.ring.environmentId, table);
    let token = continuation === undefined ? undefined : sdkTokenOf(openContinuation(indexKey, binding, continuation));
    const pages = this.table(keys.ring.environmentId).listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`tx eq ${tx}` } });
    // A filtered query may return empty pages that still continue; skip a few of those so a
    // caller usually gets records or the end, and always a token to go on with.
    for (let empty = 0; ; empty++) {
      const page = (await pages.byPage({ maxPageSize: pageSize, continuationToken: token }).next()).value;
      token = page?.continuationToken;
      const rows: RecordRow[] = (page ?? []).map(toRow);
      if (rows.length > 0 || !token || empty >= 4) {
        const records = await mapLimit(rows, PARALLEL_READS, async (row) => {
          const opened = await this.openRowFresh(keys, row);
          return opened && { recordId: opened.recordId, valueJson: opened.valueJson };
        });
        return { records: records.filter((r) => r !== undefined), ...(token ? { continuation: sealContinuation(indexKey, binding, { c: token }) } : {}) };
      }
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
          "update", { partitionKey: row.partitionKey, rowKey: row.rowKey, tx: row.tx, dek: target.id, ...staged }, "Replace", { etag: row.etag },
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
