// The composition root: every long-lived object a function needs, built once per process from
// the settings, and rebuilt when the settings change (tests and the embedded runtime set them).
import { settings, type Settings } from "./settings";
import { createTokenVerifier, type TokenVerifier } from "./auth/tokenVerifier";
import { StateStore } from "./state/stateStore";
import type { AuditLog } from "./state/auditLog";
import { createEnvironmentData, type EnvironmentData } from "./data/environmentData";
import { createReencryption, type Reencryption } from "./data/reencrypt";
import { createKeyTransitions, type KeyTransitions } from "./data/keyTransitions";
import type { EnvironmentDataDeps } from "./data/context";
import { dekCache } from "./keyvault";
import { wrapperFor } from "./keys/keySources";
import { createBackups, type Backups } from "./backups/backups";
import { KeyRingRepository } from "./data/keyRingRepository";

export interface Services {
  settings: Settings;
  verifyToken: TokenVerifier;
  state: StateStore;
  audit: AuditLog;
  /** The environments' records and files, encrypted (the data path). */
  data: EnvironmentData;
  /** Re-encryption primitives the activities use. */
  reencryption: Reencryption;
  /** Key ring steps of the key operations. */
  transitions: KeyTransitions;
  /** The environments' key rings (read-only use outside the data layer: which key versions they need). */
  keyRings: KeyRingRepository;
  /** Backups, restore, copy, reset, and the key version ledger (shared/backups). */
  backups: Backups;
}

let current: { settings: Settings; services: Services } | undefined;

function build(s: Settings): Services {
  if (!s.storageConnectionString) throw new Error("App setting AzureWebJobsStorage is not set");
  if (!s.authIssuer) throw new Error("App setting KEYWARD_AUTH_ISSUER is not set");
  const state = new StateStore(s.storageConnectionString, s.statePrefix);
  const dataDeps: EnvironmentDataDeps = {
    connectionString: s.storageConnectionString, wrapperFor, cache: dekCache(),
    keyRingTable: `${s.statePrefix}KeyRings`, storagePrefix: s.statePrefix.toLowerCase(),
  };
  return {
    settings: s,
    verifyToken: createTokenVerifier({ issuer: s.authIssuer, audience: s.authAudience, jwksUri: s.authJwksUri || undefined, clockSkewSeconds: s.authClockSkewSeconds }),
    state,
    audit: state.audit,
    data: createEnvironmentData(dataDeps),
    reencryption: createReencryption(dataDeps),
    transitions: createKeyTransitions(dataDeps),
    backups: createBackups({ ...dataDeps, statePrefix: s.statePrefix }),
    keyRings: new KeyRingRepository({ connectionString: s.storageConnectionString, tableName: dataDeps.keyRingTable! }),
  };
}

export function services(): Services {
  const s = settings();
  if (!current || current.settings !== s) current = { settings: s, services: build(s) };
  return current.services;
}
