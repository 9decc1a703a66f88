// The object graph keyward runs on, as a type. shared/services.ts builds it once per process at
// the edge (HTTP routes, activities, timers, event handlers); modules below take the parts they
// need as a parameter (a Pick of this type), never by reaching for a global. Only long-lived
// objects belong here, so that nothing they import needs this type (no import circles).
import type { Settings } from "./settings";
import type { TokenVerifier } from "./auth/tokenVerifier";
import type { StateStore } from "./state/stateStore";
import type { DataAccessView } from "./state/dataAccessView";
import type { AuditLog } from "./state/auditLog";
import type { AlertStore } from "./state/alertStore";
import type { KeySources } from "./keys/keySources";
import type { DekCache } from "./keyvault/dekCache";
import type { DataContext } from "./data/context";
import type { EnvironmentData } from "./data/environmentData";
import type { Reencryption } from "./data/reencrypt";
import type { KeyTransitions } from "./data/keyTransitions";
import type { Backups } from "./dataOperations/backups";
import type { ReconcileGate } from "./locking/reconcileGate";

export interface AppServices {
  settings: Settings;
  verifyToken: TokenVerifier;
  /** Policies, environments, history, licences. */
  state: StateStore;
  /** Environment state and memberships as the data path reads them: cached within the lock and membership bounds. */
  dataAccess: DataAccessView;
  audit: AuditLog;
  alerts: AlertStore;
  /** Which key, vault and identity stand behind each key source. */
  keys: KeySources;
  /** Unwrapped DEKs, in memory, for a short time (process-wide). */
  dekCache: DekCache;
  /** The environments' key rings and stores: the one data context. */
  dataContext: DataContext;
  /** The environments' records and files, encrypted (the data path). */
  data: EnvironmentData;
  /** Re-encryption primitives the activities use. */
  reencryption: Reencryption;
  /** Key ring steps of the key operations. */
  transitions: KeyTransitions;
  /** Backups, restore, copy, reset, and the key version ledger. */
  backups: Backups;
  /** Single flight and a rate limit for reconciling a policy (process-wide). */
  reconcileGate: ReconcileGate;
}
