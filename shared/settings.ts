// Every setting keyward reads, in one place, from the Functions app settings (process.env).
// Read lazily (`settings()`), because the embedded runtime sets the environment before the app
// handles its first call, and tests override it per file.
import { firstStorageConnection, type StorageConnection } from "./storage/connection";

export type { StorageConnection } from "./storage/connection";

export type IdentityMode = "local" | "managedIdentity";

export interface Settings {
  /** AzureWebJobsStorage when it is a connection string (tools and tests read storage with it); empty when the host storage is reached by identity. */
  storageConnectionString: string;
  /**
   * The account of keyward's state and the environments' data: the connection KEYWARD_DATA_STORAGE
   * (a connection string, or KEYWARD_DATA_STORAGE__* by identity), else AzureWebJobsStorage's.
   * Undefined when neither is set (services.ts refuses to start then).
   */
  dataStorage: StorageConnection | undefined;
  /** Prefix of keyward's own state tables (policies, environments, history, audit...). */
  statePrefix: string;
  /** OpenID issuer the admin and data API accept tokens from (Entra ID: https://login.microsoftonline.com/{tenant}/v2.0). */
  authIssuer: string;
  /** JWKS of the issuer; discovered from the issuer's openid-configuration when empty. */
  authJwksUri: string;
  /** The app's audience (the app registration's Application ID URI or client id). */
  authAudience: string;
  /** Seconds of clock skew tolerated on exp/nbf. */
  authClockSkewSeconds: number;
  /** Separation of duty: refuse callers holding both Keys.Admin and Platform.Admin unless true. */
  allowDualAdmin: boolean;
  /** How keyward obtains tokens for a policy identity and the platform identity. */
  identityMode: IdentityMode;
  /** Local mode: the local issuer's token endpoint. */
  localTokenEndpoint: string;
  /** Vault URL for a vault name: https://{vault}.vault.azure.net (a port is added locally). */
  vaultUrlTemplate: string;
  /** Managed HSM URL for an HSM name. */
  managedHsmUrlTemplate: string;
  /** Local mode: PEM of the CA the local vault's certificate chains to; vault host names resolve to loopback. */
  vaultCaCertPath: string;
  /** The platform-managed key (versionless key id) and the principal keyward uses for it. */
  platformKeyId: string;
  platformPrincipalId: string;
  platformClientId: string;
  /**
   * Vaults in other Entra tenants: keyward's multi-tenant app registration (client id), which
   * trusts keyward's identity through a federated identity credential. Empty: no cross-tenant vaults.
   */
  crossTenantClientId: string;
  /**
   * Who a policy's principal is. `tenantApp` (the default, and the only choice with managed
   * identities): keyward's multi-tenant app's service principal in the vault's tenant, which is the
   * caller's own unless the policy names another; `perPolicy` (local only): a fresh identity per
   * policy, which only the local issuer can mint tokens for.
   */
  policyPrincipals: "tenantApp" | "perPolicy";
  /** Entra's authority host for the cross-tenant token exchange (the local issuer's HTTPS authority locally). */
  authorityHost: string;
  /** The legacy platform-held tenant key of the old bring-your-own-key feature (versionless key id). */
  byokKeyId: string;
  /** Seconds an unwrapped DEK may stay in memory: the bound on how late a revocation bites. */
  dekCacheTtlSeconds: number;
  /**
   * Milliseconds the data path may serve an environment's state (lock, status) and key ring from
   * memory: at most 1,500, so a lock is seen by every instance within 2 s. 0: read every call.
   */
  dataStateCacheMs: number;
  /** Milliseconds the data path may serve a membership from memory: at most 800, so a removed member is refused within 1 s. */
  dataMemberCacheMs: number;
  /**
   * Milliseconds a write may choose its DEK from a key ring read that long ago (rather than reading
   * the ring for every write): at most 500, which the retire proof's settle (dekCounts
   * PROOF_SETTLE_MS) outlasts together with the state cache. 0: every write reads the ring.
   */
  dataWriteRingCacheMs: number;
  /** Up to this percentage of the TTL is taken off each cached DEK at random, so expiries spread. */
  dekCacheTtlJitterPercent: number;
  /** Seconds GET /api/health reuses its platform vault check. 0: every request asks the vault. */
  healthVaultCacheSeconds: number;
  /** Minutes keyward re-probes a policy after an ARM role event or a vault event. 0: not at all. */
  eventReprobeMinutes: number;
  /** The longest wait between two of those re-probes: the bound on lock latency once the vault refuses. */
  eventReprobeMaxIntervalMs: number;
  /** Least milliseconds between two reconciles (probe and lock decision) of one policy. */
  reconcileMinIntervalMs: number;
  /** Encryptions one DEK may make before new writes roll over to a fresh DEK (nonce limit 2^32). */
  dekMaxEncryptions: number;
  /** Encryptions a process reserves in the key ring at once: the most a crash over-counts. */
  dekEncryptionBlock: number;
  /** Partitions (storage buckets) a new environment gets; fixed for its life (its key ring records it). */
  partitionsPerEnvironment: number;
  /** Environments a key-version rotation re-wraps at once (each a few vault operations). */
  rotationParallelism: number;
  /** Partitions re-encrypted at once per operation. */
  reencryptParallelism: number;
  /** Items one re-encryption activity processes before it returns a checkpoint. */
  reencryptPageSize: number;
  /** Items one counting activity reads at most (sizing a re-key, proving a DEK unused); past it, counted per partition. */
  countItemsPerCall: number;
  /** Activity retries: first interval and attempts (Durable Functions RetryOptions). */
  activityFirstRetryMs: number;
  activityMaxAttempts: number;
  /** NCRONTAB schedules of the timers. */
  keyHealthProbeSchedule: string;
  keyExpirySchedule: string;
  rotationSweepSchedule: string;
  /** Application Insights: telemetry off when empty. */
  appInsightsConnectionString: string;
  /**
   * APPLICATIONINSIGHTS_AUTHENTICATION_STRING "Authorization=AAD[;ClientId=<identity>]" (the setting the
   * Functions host reads too): keyward's own telemetry is sent with an Entra token of that managed
   * identity, as an instance with local authentication disabled requires. Undefined: by connection string only.
   */
  appInsightsEntraAuth: { clientId?: string } | undefined;
  /** Delete environments locked past the reference's deadline (7 days sandbox, 30 production). Off by default. */
  deleteLockedEnvironments: boolean;
}

function str(env: NodeJS.ProcessEnv, name: string, fallback = ""): string {
  const v = env[name];
  return v === undefined || v === "" ? fallback : v;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`App setting ${name}=${JSON.stringify(raw)} must be a whole number from ${min} to ${max}`);
  }
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = str(env, name).toLowerCase();
  if (raw === "") return fallback;
  if (["true", "1", "yes"].includes(raw)) return true;
  if (["false", "0", "no"].includes(raw)) return false;
  throw new Error(`App setting ${name}=${JSON.stringify(raw)} must be true or false`);
}

function statePrefix(value: string): string {
  if (!/^[A-Za-z][A-Za-z0-9]{0,30}$/.test(value)) {
    throw new Error(`App setting KEYWARD_STATE_PREFIX=${JSON.stringify(value)} must be a letter then up to 30 letters or digits`);
  }
  return value;
}

/** "Authorization=AAD;ClientId=..." (keys case-insensitive, as the Functions host parses it). */
function entraAuthentication(value: string): { clientId?: string } | undefined {
  if (!value) return undefined;
  const fields = new Map(value.split(";").map((kv) => kv.split("=")).filter((p) => p.length === 2).map(([k, v]) => [k.trim().toLowerCase(), v.trim()] as const));
  if ((fields.get("authorization") ?? "").toUpperCase() !== "AAD") {
    throw new Error(`App setting APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be "Authorization=AAD" with an optional ";ClientId=<managed identity client id>", not ${JSON.stringify(value)}`);
  }
  const clientId = fields.get("clientid");
  return clientId ? { clientId } : {};
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const identityMode = str(env, "KEYWARD_IDENTITY_MODE", "managedIdentity");
  if (identityMode !== "local" && identityMode !== "managedIdentity") {
    throw new Error(`App setting KEYWARD_IDENTITY_MODE must be "local" or "managedIdentity", not ${JSON.stringify(identityMode)}`);
  }
  const policyPrincipals = str(env, "KEYWARD_POLICY_PRINCIPALS", identityMode === "local" ? "perPolicy" : "tenantApp");
  if (policyPrincipals !== "tenantApp" && policyPrincipals !== "perPolicy") {
    throw new Error(`App setting KEYWARD_POLICY_PRINCIPALS must be "tenantApp" or "perPolicy", not ${JSON.stringify(policyPrincipals)}`);
  }
  if (policyPrincipals === "perPolicy" && identityMode !== "local") {
    throw new Error("App setting KEYWARD_POLICY_PRINCIPALS=perPolicy needs KEYWARD_IDENTITY_MODE=local: a managed identity keyward names per policy is attached to no app, so no token exists for it. " +
      "Remove the setting (tenantApp: each policy is reached as keyward's multi-tenant app in the vault's tenant; infra/README.md).");
  }
  return {
    storageConnectionString: str(env, "AzureWebJobsStorage"),
    dataStorage: firstStorageConnection(env, ["KEYWARD_DATA_STORAGE", "AzureWebJobsStorage"]),
    statePrefix: statePrefix(str(env, "KEYWARD_STATE_PREFIX", "keyward")),
    authIssuer: str(env, "KEYWARD_AUTH_ISSUER"),
    authJwksUri: str(env, "KEYWARD_AUTH_JWKS_URI"),
    authAudience: str(env, "KEYWARD_AUTH_AUDIENCE", "api://keyward"),
    authClockSkewSeconds: int(env, "KEYWARD_AUTH_CLOCK_SKEW_SECONDS", 120, 0, 600),
    allowDualAdmin: bool(env, "KEYWARD_ALLOW_DUAL_ADMIN", false),
    identityMode,
    localTokenEndpoint: str(env, "KEYWARD_LOCAL_TOKEN_ENDPOINT"),
    vaultUrlTemplate: str(env, "KEYWARD_VAULT_URL_TEMPLATE", "https://{vault}.vault.azure.net"),
    managedHsmUrlTemplate: str(env, "KEYWARD_MANAGED_HSM_URL_TEMPLATE", "https://{vault}.managedhsm.azure.net"),
    vaultCaCertPath: str(env, "KEYWARD_VAULT_CA_CERT_PATH"),
    platformKeyId: str(env, "KEYWARD_PLATFORM_KEY_ID"),
    platformPrincipalId: str(env, "KEYWARD_PLATFORM_PRINCIPAL_ID"),
    platformClientId: str(env, "KEYWARD_PLATFORM_CLIENT_ID"),
    byokKeyId: str(env, "KEYWARD_BYOK_KEY_ID"),
    crossTenantClientId: str(env, "KEYWARD_CROSS_TENANT_CLIENT_ID"),
    policyPrincipals,
    authorityHost: str(env, "KEYWARD_AUTHORITY_HOST", "https://login.microsoftonline.com").replace(/\/+$/, ""),
    dekCacheTtlSeconds: int(env, "KEYWARD_DEK_CACHE_TTL_SECONDS", 60, 1, 3600),
    dataStateCacheMs: int(env, "KEYWARD_DATA_STATE_CACHE_MS", 1000, 0, 1500),
    dataMemberCacheMs: int(env, "KEYWARD_DATA_MEMBER_CACHE_MS", 500, 0, 800),
    dataWriteRingCacheMs: int(env, "KEYWARD_DATA_WRITE_RING_CACHE_MS", 250, 0, 500),
    dekMaxEncryptions: int(env, "KEYWARD_DEK_MAX_ENCRYPTIONS", 2 ** 30, 1, 2 ** 32),
    dekEncryptionBlock: int(env, "KEYWARD_DEK_ENCRYPTION_BLOCK", 1000, 1, 1_000_000),
    partitionsPerEnvironment: int(env, "KEYWARD_PARTITIONS_PER_ENVIRONMENT", 64, 1, 1024),
    dekCacheTtlJitterPercent: int(env, "KEYWARD_DEK_CACHE_TTL_JITTER_PERCENT", 20, 0, 50),
    healthVaultCacheSeconds: int(env, "KEYWARD_HEALTH_VAULT_CACHE_SECONDS", 10, 0, 300),
    eventReprobeMinutes: int(env, "KEYWARD_EVENT_REPROBE_MINUTES", 15, 0, 120),
    eventReprobeMaxIntervalMs: int(env, "KEYWARD_EVENT_REPROBE_MAX_INTERVAL_MS", 500, 100, 60_000),
    reconcileMinIntervalMs: int(env, "KEYWARD_RECONCILE_MIN_INTERVAL_MS", 500, 0, 60_000),
    rotationParallelism: int(env, "KEYWARD_ROTATION_PARALLELISM", 16, 1, 256),
    reencryptParallelism: int(env, "KEYWARD_REENCRYPT_PARALLELISM", 4, 1, 64),
    reencryptPageSize: int(env, "KEYWARD_REENCRYPT_PAGE_SIZE", 200, 1, 5000),
    countItemsPerCall: int(env, "KEYWARD_COUNT_ITEMS_PER_CALL", 50_000, 1, 1_000_000),
    activityFirstRetryMs: int(env, "KEYWARD_ACTIVITY_FIRST_RETRY_MS", 2000, 10, 600_000),
    activityMaxAttempts: int(env, "KEYWARD_ACTIVITY_MAX_ATTEMPTS", 5, 1, 20),
    keyHealthProbeSchedule: str(env, "KEYWARD_KEY_HEALTH_PROBE_SCHEDULE", "0 */1 * * * *"),
    keyExpirySchedule: str(env, "KEYWARD_KEY_EXPIRY_SCHEDULE", "0 0 6 * * *"),
    rotationSweepSchedule: str(env, "KEYWARD_ROTATION_SWEEP_SCHEDULE", "0 30 5 * * *"),
    deleteLockedEnvironments: bool(env, "KEYWARD_DELETE_LOCKED_ENVIRONMENTS", false),
    appInsightsConnectionString: str(env, "APPLICATIONINSIGHTS_CONNECTION_STRING"),
    appInsightsEntraAuth: entraAuthentication(str(env, "APPLICATIONINSIGHTS_AUTHENTICATION_STRING")),
  };
}

let cached: { env: string; value: Settings } | undefined;

/** The current settings; re-read when the environment changed (tests and the local runtime set it). */
export function settings(): Settings {
  const key = JSON.stringify(Object.entries(process.env).filter(([k]) => k.startsWith("KEYWARD_") || k.startsWith("AzureWebJobsStorage") || k.startsWith("APPLICATIONINSIGHTS_")));
  if (!cached || cached.env !== key) cached = { env: key, value: readSettings() };
  return cached.value;
}
