// Component checks behind GET /api/health. Each is bounded in time and says only up or down.
import type { Settings } from "./settings";
import { tableServiceClient } from "./storage/clients";
import { storageRefFor } from "./storage/account";
import { latestKeyVersion, parseKeyId } from "./keyvault";

export interface ComponentHealth {
  status: "Healthy" | "Unhealthy";
  detail?: string;
  latencyMs: number;
}

async function timed(check: () => Promise<void>, timeoutMs = 5000): Promise<ComponentHealth> {
  const start = Date.now();
  try {
    await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))]);
    return { status: "Healthy", latencyMs: Date.now() - start };
  } catch (err) {
    return { status: "Unhealthy", detail: err instanceof Error ? err.message.split("\n")[0].slice(0, 200) : "failed", latencyMs: Date.now() - start };
  }
}

export async function checkComponents(s: Settings): Promise<Record<string, ComponentHealth>> {
  const storage = timed(async () => {
    const iterator = tableServiceClient(storageRefFor(s.dataStorage, s)).listTables().byPage({ maxPageSize: 1 });
    await iterator.next();
  });
  const issuer = timed(async () => {
    const res = await fetch(`${s.authIssuer.replace("{tenantid}", "common").replace(/\/$/, "")}/.well-known/openid-configuration`);
    if (!res.ok) throw new Error(`openid-configuration answered ${res.status}`);
  });
  // The platform key wraps every new environment's DEKs: without it nothing can be created.
  const platformKey = platformKeyCheck(s);
  const [storageHealth, issuerHealth, platformKeyHealth] = await Promise.all([storage, issuer, platformKey]);
  return { storage: storageHealth, tokenIssuer: issuerHealth, platformKeyVault: platformKeyHealth };
}

/**
 * The platform vault check, reused for KEYWARD_HEALTH_VAULT_CACHE_SECONDS: the route is
 * anonymous, and a caller polling it must not spend the platform vault's quota. One check in
 * flight at a time; the answer says how old it is through its latencyMs only (it is the check's).
 */
let lastVaultCheck: { key: string; at: number; result: Promise<ComponentHealth> } | undefined;

function platformKeyCheck(s: Settings, now = Date.now()): Promise<ComponentHealth> {
  const key = `${s.platformKeyId}|${s.platformPrincipalId}`;
  const ttlMs = s.healthVaultCacheSeconds * 1000;
  if (lastVaultCheck && lastVaultCheck.key === key && now - lastVaultCheck.at < ttlMs) return lastVaultCheck.result;
  const result = timed(async () => {
    if (!s.platformKeyId) throw new Error("KEYWARD_PLATFORM_KEY_ID is not set");
    const parsed = parseKeyId(s.platformKeyId, s);
    const latest = await latestKeyVersion({ principalId: s.platformPrincipalId, clientId: s.platformClientId || undefined }, parsed.vaultUrl, parsed.name, { retry: { maxAttempts: 1 } });
    if (!latest.enabled) throw new Error("the platform key's current version is disabled");
  });
  lastVaultCheck = { key, at: now, result };
  return result;
}
