import type { LocalIssuer } from "./issuer";
import type { LocalVault, LocalVaultBehaviourPatch } from "./keyvault";

/**
 * The app settings that point keyward's key access layer at the local vault: tokens from the
 * local issuer, vault host names resolved to the local server, its CA trusted.
 */
export function localKeyVaultSettings(issuer: Pick<LocalIssuer, "tokenEndpoint">, vault: LocalVault): Record<string, string> {
  return {
    KEYWARD_IDENTITY_MODE: "local",
    KEYWARD_LOCAL_TOKEN_ENDPOINT: issuer.tokenEndpoint,
    KEYWARD_VAULT_URL_TEMPLATE: vault.urlTemplate,
    KEYWARD_MANAGED_HSM_URL_TEMPLATE: vault.managedHsmUrlTemplate,
    KEYWARD_VAULT_CA_CERT_PATH: vault.caCertPath,
    KEYWARD_LOCAL_VAULT_MANAGEMENT_URL: vault.managementUrl,
  };
}

/** The settings that make the local vault as harsh as Azure's (read by the stack, not by keyward). */
export const LOCAL_VAULT_BEHAVIOUR_SETTINGS = {
  /** Seconds before a role assignment change reaches the vault's data plane (0-600; Azure: up to 10 minutes). */
  rolePropagationSeconds: "KEYWARD_LOCAL_ROLE_PROPAGATION_SECONDS",
  /** "true": per-vault quotas as Azure's service limits state, answering 429. */
  throttling: "KEYWARD_LOCAL_VAULT_THROTTLING",
  /** "none" (Azure's 429, no Retry-After) or "seconds" (Retry-After: seconds until the request fits). */
  retryAfter: "KEYWARD_LOCAL_VAULT_RETRY_AFTER",
} as const;

/**
 * The behaviour those settings ask for (only what they set). An unusable value fails with the
 * setting's name and what it accepts, so a typo never silently leaves the vault kind.
 */
export function localVaultBehaviourFromSettings(settings: Record<string, string | undefined>): LocalVaultBehaviourPatch {
  const patch: LocalVaultBehaviourPatch = {};
  const read = (name: string): string | undefined => {
    const v = settings[name]?.trim();
    return v ? v : undefined;
  };
  const seconds = read(LOCAL_VAULT_BEHAVIOUR_SETTINGS.rolePropagationSeconds);
  if (seconds !== undefined) {
    const n = Number(seconds);
    if (!Number.isFinite(n) || n < 0 || n > 600) {
      throw new Error(`${LOCAL_VAULT_BEHAVIOUR_SETTINGS.rolePropagationSeconds} must be a number of seconds from 0 to 600, not ${JSON.stringify(seconds)}.`);
    }
    patch.rolePropagationSeconds = n;
  }
  const throttling = read(LOCAL_VAULT_BEHAVIOUR_SETTINGS.throttling);
  if (throttling !== undefined) {
    if (throttling !== "true" && throttling !== "false") {
      throw new Error(`${LOCAL_VAULT_BEHAVIOUR_SETTINGS.throttling} must be "true" or "false", not ${JSON.stringify(throttling)}.`);
    }
    patch.throttling = { enabled: throttling === "true" };
  }
  const retryAfter = read(LOCAL_VAULT_BEHAVIOUR_SETTINGS.retryAfter);
  if (retryAfter !== undefined) {
    if (retryAfter !== "none" && retryAfter !== "seconds") {
      throw new Error(`${LOCAL_VAULT_BEHAVIOUR_SETTINGS.retryAfter} must be "none" or "seconds", not ${JSON.stringify(retryAfter)}.`);
    }
    patch.throttling = { ...patch.throttling, retryAfter };
  }
  return patch;
}

/** `base` with `over` on top (throttling merged field by field). */
export function mergeBehaviourPatches(base: LocalVaultBehaviourPatch, over: LocalVaultBehaviourPatch): LocalVaultBehaviourPatch {
  return { ...base, ...over, ...(base.throttling || over.throttling ? { throttling: { ...base.throttling, ...over.throttling } } : {}) };
}
