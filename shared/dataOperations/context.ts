// What the backup modules share: the environments' data context (key rings, record and file
// stores), the backups' blobs, the key version ledger and the wrapper resolver.
import type { DataContext } from "../data/context";
import type { WrapperFor } from "../data/dekResolver";
import { BackupStore } from "./backupStore";
import { KeyVersionLedger } from "./keyLedger";
import type { StorageRef } from "../storage/clients";

export interface BackupDeps {
  /** The environments' data (key rings, record and file stores): the one data context. */
  data: DataContext;
  /** The storage account of environment data. */
  /** The data account (a connection string, or reached by identity). */
  connectionString: StorageRef;
  /** Prefix of the per-environment table and container names. */
  storagePrefix: string;
  /** keyward's state table prefix (the key version ledger is one of its tables). */
  statePrefix: string;
  wrapperFor: WrapperFor;
}

export interface BackupContext {
  data: DataContext;
  store: BackupStore;
  ledger: KeyVersionLedger;
  wrapperFor: WrapperFor;
  deps: BackupDeps;
}

export function createBackupContext(deps: BackupDeps): BackupContext {
  const { data } = deps;
  return {
    data,
    store: new BackupStore({ connectionString: deps.connectionString, storagePrefix: deps.storagePrefix, naming: data.naming }),
    ledger: new KeyVersionLedger(deps.connectionString, deps.statePrefix),
    wrapperFor: deps.wrapperFor,
    deps,
  };
}
