// Small JSON documents in Table storage with optimistic concurrency: the shape every piece of
// keyward's own state (policies, environments, history, licences) is kept in.
import type { TableClient } from "@azure/data-tables";
import { statusOf } from "../storage/clients";

export class ConcurrencyConflict extends Error {
  constructor(key: string) {
    super(`the document ${key} kept changing under concurrent updates`);
    this.name = "ConcurrencyConflict";
  }
}

interface Row {
  partitionKey: string;
  rowKey: string;
  doc: string;
  etag?: string;
}

export class DocumentTable<T> {
  constructor(private readonly table: () => Promise<TableClient>) {}

  async get(partitionKey: string, rowKey: string): Promise<T | undefined> {
    return (await this.getWithEtag(partitionKey, rowKey))?.doc;
  }

  async getWithEtag(partitionKey: string, rowKey: string): Promise<{ doc: T; etag: string } | undefined> {
    try {
      const row = await (await this.table()).getEntity<Row>(partitionKey, rowKey);
      return { doc: JSON.parse(row.doc) as T, etag: row.etag ?? "" };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Inserts; false when a document with that key exists already. */
  async create(partitionKey: string, rowKey: string, doc: T): Promise<boolean> {
    try {
      await (await this.table()).createEntity({ partitionKey, rowKey, doc: JSON.stringify(doc) });
      return true;
    } catch (err) {
      if (statusOf(err) === 409) return false;
      throw err;
    }
  }

  /** Inserts or replaces without a concurrency check: for append-only or single-writer rows. */
  async put(partitionKey: string, rowKey: string, doc: T): Promise<void> {
    await (await this.table()).upsertEntity({ partitionKey, rowKey, doc: JSON.stringify(doc) }, "Replace");
  }

  /**
   * Read-modify-write with If-Match. The mutator sees the current document and returns the new
   * one, or undefined to leave it alone; on a concurrent change it runs again on the fresh copy.
   * Returns the stored document, or undefined when none exists.
   */
  async update(partitionKey: string, rowKey: string, mutate: (current: T) => T | undefined, attempts = 20): Promise<T | undefined> {
    for (let i = 0; i < attempts; i++) {
      const current = await this.getWithEtag(partitionKey, rowKey);
      if (!current) return undefined;
      const next = mutate(current.doc);
      if (next === undefined) return current.doc;
      try {
        await (await this.table()).updateEntity({ partitionKey, rowKey, doc: JSON.stringify(next) }, "Replace", { etag: current.etag });
        return next;
      } catch (err) {
        if (statusOf(err) !== 412) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * (i + 1)));
      }
    }
    throw new ConcurrencyConflict(`${partitionKey}/${rowKey}`);
  }

  /** Replaces the document only if it is still at `etag`; false when it changed or went away. */
  async replaceIfMatch(partitionKey: string, rowKey: string, doc: T, etag: string): Promise<boolean> {
    try {
      await (await this.table()).updateEntity({ partitionKey, rowKey, doc: JSON.stringify(doc) }, "Replace", { etag });
      return true;
    } catch (err) {
      if (statusOf(err) === 412 || statusOf(err) === 404) return false;
      throw err;
    }
  }

  /** Deletes the document only if it is still at `etag`; false when it changed or went away. */
  async deleteIfMatch(partitionKey: string, rowKey: string, etag: string): Promise<boolean> {
    try {
      await (await this.table()).deleteEntity(partitionKey, rowKey, { etag });
      return true;
    } catch (err) {
      if (statusOf(err) === 412 || statusOf(err) === 404) return false;
      throw err;
    }
  }

  /** Every document of every partition (the system-wide sweeps: timers and events). */
  async listAll(): Promise<T[]> {
    const out: T[] = [];
    for await (const row of (await this.table()).listEntities<Row>()) out.push(JSON.parse(row.doc) as T);
    return out;
  }

  async delete(partitionKey: string, rowKey: string): Promise<boolean> {
    try {
      await (await this.table()).deleteEntity(partitionKey, rowKey);
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  async list(partitionKey: string, options: { rowKeyFrom?: string; limit?: number } = {}): Promise<T[]> {
    const escaped = partitionKey.replace(/'/g, "''");
    const filter = `PartitionKey eq '${escaped}'` + (options.rowKeyFrom ? ` and RowKey ge '${options.rowKeyFrom.replace(/'/g, "''")}'` : "");
    const out: T[] = [];
    for await (const row of (await this.table()).listEntities<Row>({ queryOptions: { filter } })) {
      out.push(JSON.parse(row.doc) as T);
      if (options.limit && out.length >= options.limit) break;
    }
    return out;
  }
}
