// The wiring shared by the environment data facade and the re-encryption primitives: one storage
// account, one key ring table, the key resolver and the two stores.
import { MAX_BUCKETS } from "../crypto/keyRing";
import { createDekResolver, type DekLoaderCache, type DekResolver, type WrapperFor } from "./dekResolver";
import { FileStore } from "./fileStore";
import { KeyRingRepository } from "./keyRingRepository";
import { storageNaming, type StorageNaming } from "./naming";
import { RecordStore } from "./recordStore";
import { createEncryptionBudget, type EncryptionBudgetOptions } from "./encryptionBudget";
import type { StorageRef } from "../storage/clients";

export interface EnvironmentDataDeps {
  /** The storage account of environment data (Azurite locally). */
  /** The data account (a connection string, or reached by identity). */
  connectionString: StorageRef;
  /** Which wrapper unwraps a copy under a key source and versioned key id (composition root). */
  wrapperFor: WrapperFor;
  /** The unwrapped-DEK cache (shared/keyvault/dekCache.ts in the app). */
  cache: DekLoaderCache;
  /** Table of key rings; default "keyrings". */
  keyRingTable?: string;
  /** Prefix of the per-environment table and container names; default "kwd". */
  storagePrefix?: string;
  /** How old a key ring the data path may use to read and locate (DekResolver.keysForRead); default 0, always read. */
  ringMaxAgeMs?: number;
  /** How old a key ring a write may choose its DEK from (DekResolver.keysForWrite); default 0, always read. */
  writeRingMaxAgeMs?: number;
  /** Partitions of a newly initialized environment; default 16. Fixed for the environment's life. */
  buckets?: number;
  /** Each DEK's encryption limit and reservation block (settings); absent, encryptions are not counted. */
  encryptionBudget?: () => EncryptionBudgetOptions;
}

export interface DataContext {
  rings: KeyRingRepository;
  keys: DekResolver;
  records: RecordStore;
  files: FileStore;
  naming: StorageNaming;
  buckets: number;
}

export function createDataContext(deps: EnvironmentDataDeps): DataContext {
  const buckets = deps.buckets ?? 16;
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) throw new Error(`buckets must be a whole number from 1 to ${MAX_BUCKETS}`);
  const naming = storageNaming(deps.storagePrefix);
  const rings = new KeyRingRepository({ connectionString: deps.connectionString, tableName: deps.keyRingTable ?? "keyrings" });
  return {
    rings,
    keys: createDekResolver({
      rings, wrapperFor: deps.wrapperFor, cache: deps.cache, ringMaxAgeMs: deps.ringMaxAgeMs, writeRingMaxAgeMs: deps.writeRingMaxAgeMs,
      budget: deps.encryptionBudget && createEncryptionBudget({ rings, wrapperFor: deps.wrapperFor, options: deps.encryptionBudget }),
    }),
    records: new RecordStore({ connectionString: deps.connectionString, naming }),
    files: new FileStore({ connectionString: deps.connectionString, naming }),
    naming,
    buckets,
  };
}
