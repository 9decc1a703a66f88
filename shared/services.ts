// The composition root: every long-lived object a function needs, built once per process from
// the settings, and rebuilt when the settings change (tests and the embedded runtime set them).
// Only the edges call services(): the HTTP route wrapper, the activity, timer and event
// registrations, the local runtime and the bench. Everything below them gets what it needs
// passed in.
import { settings, type Settings } from "./settings";
import { createTokenVerifier } from "./auth/tokenVerifier";
import { StateStore } from "./state/stateStore";
import { DataAccessView } from "./state/dataAccessView";
import { createKeySources } from "./keys/keySources";
import { dekCache } from "./keyvault/dekCache";
import { createDataContext } from "./data/context";
import { createEnvironmentData } from "./data/environmentData";
import { createReencryption } from "./data/reencrypt";
import { createKeyTransitions } from "./data/keyTransitions";
import { createBackups } from "./dataOperations/backups";
import type { AppServices } from "./appServices";
import { ReconcileGate } from "./locking/reconcileGate";
import { storageRefFor } from "./storage/account";

export type { AppServices } from "./appServices";

let current: { settings: Settings; services: AppServices } | undefined;

function build(s: Settings): AppServices {
  if (!s.authIssuer) throw new Error("App setting KEYWARD_AUTH_ISSUER is not set");
  const storage = storageRefFor(s.dataStorage, s);
  const state = new StateStore(storage, s.statePrefix);
  const keys = createKeySources({ settings, getPolicy: (tenantId, name) => state.forTenant(tenantId).getPolicy(name) });
  const cache = dekCache();
  const storagePrefix = s.statePrefix.toLowerCase();
  const dataContext = createDataContext({
    connectionString: storage, wrapperFor: keys.wrapperFor, cache,
    keyRingTable: `${s.statePrefix}KeyRings`, storagePrefix, buckets: s.partitionsPerEnvironment, ringMaxAgeMs: s.dataStateCacheMs, writeRingMaxAgeMs: s.dataWriteRingCacheMs,
    encryptionBudget: () => ({ limit: settings().dekMaxEncryptions, block: settings().dekEncryptionBlock }),
  });
  const dataAccess = new DataAccessView({ environmentMaxAgeMs: s.dataStateCacheMs, memberMaxAgeMs: s.dataMemberCacheMs });
  state.onChange((change) => dataAccess.forget(change));
  return {
    settings: s,
    verifyToken: createTokenVerifier({ issuer: s.authIssuer, audience: s.authAudience, jwksUri: s.authJwksUri || undefined, clockSkewSeconds: s.authClockSkewSeconds }),
    state,
    dataAccess,
    audit: state.audit,
    alerts: state.alerts,
    keys,
    dekCache: cache,
    dataContext,
    data: createEnvironmentData(dataContext),
    reencryption: createReencryption(dataContext),
    transitions: createKeyTransitions(dataContext),
    reconcileGate: new ReconcileGate({ minIntervalMs: () => settings().reconcileMinIntervalMs }),
    backups: createBackups({ data: dataContext, connectionString: storage, storagePrefix, statePrefix: s.statePrefix, wrapperFor: keys.wrapperFor }),
  };
}

export function services(): AppServices {
  const s = settings();
  if (!current || current.settings !== s) current = { settings: s, services: build(s) };
  return current.services;
}
