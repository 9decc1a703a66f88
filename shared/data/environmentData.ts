// The facade the HTTP data API and the activities use for an environment's records and files.
// It validates input (400s with specific codes), and writes everything new under the active DEK
// of a recently read ring (DekResolver.keysForWrite). Whether the environment may be accessed at all
// (locked, in downtime) is decided by the caller before it calls in.
import type { KeyWrapper } from "../crypto/keyWrapper";
import { generateIndexKey } from "../crypto/blindIndex";
import { createKeyRing, type KeyRing, type KeySource } from "../crypto/keyRing";
import { generateWrappedDek, wrapVerified } from "../crypto/wrapping";
import { isKeywardError } from "../errors";
import type { DataContext } from "./context";
import {
  assertEnvironmentId,
  assertFileBody,
  assertFilePath,
  assertRecordId,
  assertTableName,
  pageSizeOrDefault,
  serializeRecordValue,
} from "./validation";

export interface RecordPage {
  records: { recordId: string; value: unknown }[];
  /** Present when more records may follow; pass it back unchanged. */
  continuation?: string;
}

export interface EnvironmentData {
  /**
   * Creates the environment's table and container and its key ring: a first DEK and the index
   * key, both wrapped by `platformWrapper` (source PlatformManaged). Idempotent: an environment
   * that already has a ring keeps it, and that ring is returned.
   */
  /** The first DEK and the index key, wrapped by `wrapper` (the platform key, or a legacy BYOK key). */
  initialize(environmentId: string, wrapper: KeyWrapper, source?: KeySource): Promise<KeyRing>;
  putRecord(environmentId: string, table: string, recordId: string, value: unknown): Promise<{ created: boolean }>;
  /** 404 RecordNotFound. */
  getRecord(environmentId: string, table: string, recordId: string): Promise<unknown>;
  /** 404 RecordNotFound. */
  deleteRecord(environmentId: string, table: string, recordId: string): Promise<void>;
  /** `scope`: what else the continuation is bound to beyond this environment and table (the route binds tenant and environment name). */
  listRecords(environmentId: string, table: string, options?: { pageSize?: number; continuation?: string; scope?: string }): Promise<RecordPage>;
  putFile(environmentId: string, path: string, body: Uint8Array): Promise<void>;
  /** 404 FileNotFound. */
  getFile(environmentId: string, path: string): Promise<Uint8Array>;
  /** 404 FileNotFound. */
  deleteFile(environmentId: string, path: string): Promise<void>;
}

const parseValue = (json: Uint8Array): unknown => JSON.parse(Buffer.from(json).toString("utf8"));

async function initialize(ctx: DataContext, environmentId: string, platformWrapper: KeyWrapper, source: KeySource = { kind: "PlatformManaged" }): Promise<KeyRing> {
  assertEnvironmentId(environmentId);
  await Promise.all([ctx.records.ensure(environmentId), ctx.files.ensure(environmentId)]);
  const existing = await ctx.rings.read(environmentId);
  if (existing) return existing;
  const indexKey = generateIndexKey();
  try {
    const [dek, indexKeyCopy] = await Promise.all([generateWrappedDek(platformWrapper, source), wrapVerified(platformWrapper, indexKey, source)]);
    // A new environment's records are all in layout 2, so its reads never look for layout 1.
    const ring: KeyRing = { ...createKeyRing({ environmentId, dekId: dek.dekId, dekCopy: dek.copy, indexKeyCopy, buckets: ctx.buckets, now: new Date() }), recordLayout: 2 };
    return await ctx.rings.create(ring);
  } catch (err) {
    // A concurrent initialize won the race; its ring is the environment's ring.
    if (isKeywardError(err) && err.code === "KeyRingExists") return (await ctx.rings.read(environmentId))!;
    throw err;
  } finally {
    indexKey.fill(0);
  }
}

export function createEnvironmentData(ctx: DataContext): EnvironmentData {
  // Reads and locating use a recently read ring (keysForRead); the DEK of new data comes from a
  // ring read at most writeRingMaxAgeMs ago (keysForWrite), so a write goes under a DEK a key
  // change has replaced only within that bound, which the retire proof waits out.
  const writeKeys = (environmentId: string) => {
    assertEnvironmentId(environmentId);
    return ctx.keys.keysForWrite(environmentId);
  };
  const readKeys = (environmentId: string) => {
    assertEnvironmentId(environmentId);
    return ctx.keys.keysForRead(environmentId);
  };
  /** The write's ring, its read (if the cached one is too old) started now so it overlaps the caller's other storage calls. */
  const startWriteKeys = (environmentId: string) => {
    const keys = writeKeys(environmentId);
    keys.catch(() => undefined); // awaited by the caller; this keeps an early failure elsewhere from leaving it unhandled
    return keys;
  };
  return {
    initialize: (environmentId, wrapper, source) => initialize(ctx, environmentId, wrapper, source),

    async putRecord(environmentId, table, recordId, value) {
      assertTableName(table);
      assertRecordId(recordId);
      const json = serializeRecordValue(value);
      const current = startWriteKeys(environmentId);
      return ctx.records.put(await readKeys(environmentId), table, recordId, json, current);
    },

    async getRecord(environmentId, table, recordId) {
      assertTableName(table);
      assertRecordId(recordId);
      return parseValue(await ctx.records.get(await readKeys(environmentId), table, recordId));
    },

    async deleteRecord(environmentId, table, recordId) {
      assertTableName(table);
      assertRecordId(recordId);
      await ctx.records.delete(await readKeys(environmentId), table, recordId);
    },

    async listRecords(environmentId, table, options = {}) {
      assertTableName(table);
      const pageSize = pageSizeOrDefault(options.pageSize);
      const page = await ctx.records.list(await readKeys(environmentId), table, pageSize, options.continuation, options.scope);
      return {
        records: page.records.map((r) => ({ recordId: r.recordId, value: parseValue(r.valueJson) })),
        ...(page.continuation ? { continuation: page.continuation } : {}),
      };
    },

    async putFile(environmentId, path, body) {
      assertFilePath(path);
      assertFileBody(body);
      await ctx.files.put(await writeKeys(environmentId), path, body);
    },

    async getFile(environmentId, path) {
      assertFilePath(path);
      return ctx.files.get(await readKeys(environmentId), path);
    },

    async deleteFile(environmentId, path) {
      assertFilePath(path);
      await ctx.files.delete(await readKeys(environmentId), path);
    },
  };
}
