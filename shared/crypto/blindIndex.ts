// Names are data too: a record's table name and id, and a file's path, must not reach storage.
// Storage keys are blind indexes: HMAC-SHA256 under the environment's *index key*, a 32-byte
// secret kept wrapped in the key ring next to the DEKs. The index key is re-wrapped on key
// transitions but never replaced, so storage keys stay stable while data is re-encrypted under
// new DEKs; and it is per environment, so equal names in two environments do not correlate.
import { createHmac, randomBytes } from "node:crypto";
import { canonicalEncode } from "./aad";
import { needs } from "../errors";

export const INDEX_KEY_BYTES = 32;
const DOMAIN = "keyward/blind-index/v1";

export type IndexPurpose = "record-table" | "record" | "file";

export function generateIndexKey(): Uint8Array {
  return new Uint8Array(randomBytes(INDEX_KEY_BYTES));
}

/** 64 lowercase hex characters: valid in row keys and blob names, and case-insensitive-safe. */
export function blindIndex(indexKey: Uint8Array, environmentId: string, purpose: IndexPurpose, names: readonly string[]): string {
  needs(indexKey instanceof Uint8Array && indexKey.length === INDEX_KEY_BYTES,
    `the index key is a full-strength ${INDEX_KEY_BYTES} bytes: a short key would make the indexes guessable offline`);
  // The purpose and environment are in the HMAC input so that a table named like a file path, or
  // the same names in another environment, never share an index.
  return createHmac("sha256", indexKey).update(canonicalEncode([DOMAIN, purpose, environmentId, ...names])).digest("hex");
}

export const recordTableIndex = (indexKey: Uint8Array, environmentId: string, table: string) =>
  blindIndex(indexKey, environmentId, "record-table", [table]);

export const recordIndex = (indexKey: Uint8Array, environmentId: string, table: string, recordId: string) =>
  blindIndex(indexKey, environmentId, "record", [table, recordId]);

export const fileIndex = (indexKey: Uint8Array, environmentId: string, path: string) =>
  blindIndex(indexKey, environmentId, "file", [path]);

const INDEX_PATTERN = /^[0-9a-f]{64}$/;
export const isBlindIndex = (value: unknown): value is string => typeof value === "string" && INDEX_PATTERN.test(value);

/** The partition an index falls in: uniform because HMAC output is. */
export function bucketOf(index: string, buckets: number): number {
  if (!isBlindIndex(index)) throw new Error("bucketOf needs a blind index");
  if (!Number.isInteger(buckets) || buckets < 1) throw new Error("buckets must be a positive whole number");
  return parseInt(index.slice(0, 8), 16) % buckets;
}
