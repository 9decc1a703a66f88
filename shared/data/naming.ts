// Where an environment's data lives in the storage account. Names are derived from a hash of the
// environment id (valid as table and container names whatever the id, and fixed for its life);
// the prefix keeps deployments or test runs sharing one account apart.
import { createHash } from "node:crypto";
import { needs } from "../errors";

export interface StorageNaming {
  /** The environment's records table: {prefix}{32 hex}. */
  recordTable(environmentId: string): string;
  /** The environment's blob container (files, and record values too large for a table row). */
  container(environmentId: string): string;
}

const PREFIX = /^[a-z][a-z0-9]{0,19}$/;

export function storageNaming(prefix = "kwd"): StorageNaming {
  needs(PREFIX.test(prefix), "the storage name prefix is 1-20 lowercase letters or digits, starting with a letter, so names are valid for tables and containers");
  const hashed = (environmentId: string) => createHash("sha256").update(`keyward/environment/${environmentId}`).digest("hex").slice(0, 32);
  return {
    recordTable: (environmentId) => `${prefix}${hashed(environmentId)}`,
    container: (environmentId) => `${prefix}${hashed(environmentId)}`,
  };
}

/** A bucket as a partition key or blob name segment: fixed width, so listings sort by bucket. */
export function bucketKey(bucket: number): string {
  return bucket.toString().padStart(4, "0");
}
