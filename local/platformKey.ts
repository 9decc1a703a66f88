// The platform-managed key in the local vault: every environment starts with DEKs wrapped by it.
// Created once (the vault state persists), with the platform principal granted wrap and unwrap.
import { randomUUID } from "node:crypto";
import { KeyClient } from "@azure/keyvault-keys";
import type { TokenCredential } from "@azure/core-auth";
import type { LocalIssuer } from "./issuer";
import { localVaultAgent, type LocalVault } from "./keyvault";
import { assignRole, createVault } from "./vaultManagement";

export const PLATFORM_VAULT = "keyward-platform";
export const PLATFORM_KEY = "platform-kek";
/** The principal that stands for the platform's key administrators in the local vault. */
const PLATFORM_KEY_OFFICER = "00000000-0000-4000-8000-0000000000a1";

export function issuerCredential(issuer: LocalIssuer, oid: string): TokenCredential {
  return {
    getToken: async () => ({ token: await issuer.sign({ oid, audience: "https://vault.azure.net", lifetimeSeconds: 3600 }), expiresOnTimestamp: Date.now() + 3_000_000 }),
  };
}

/** Returns the platform key's versionless id. */
export async function createPlatformKey(options: { vault: LocalVault; issuer: LocalIssuer; platformPrincipalId: string }): Promise<string> {
  const { vault, issuer, platformPrincipalId } = options;
  const info = await createVault(vault, PLATFORM_VAULT);
  await assignRole(vault, "platform-key-officer", { principalId: PLATFORM_KEY_OFFICER, roleDefinitionName: "Key Vault Crypto Officer", scope: info.id });
  await assignRole(vault, "platform-key-user", { principalId: platformPrincipalId, roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: info.id });
  const client = new KeyClient(vault.vaultUrl(PLATFORM_VAULT), issuerCredential(issuer, PLATFORM_KEY_OFFICER), {
    agent: localVaultAgent({ caCertPem: vault.caCertPem }),
  } as ConstructorParameters<typeof KeyClient>[2]);
  try {
    const existing = await client.getKey(PLATFORM_KEY);
    return `${vault.vaultUrl(PLATFORM_VAULT)}/keys/${existing.name}`;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
  await client.createRsaKey(PLATFORM_KEY, { keySize: 3072, keyOps: ["wrapKey", "unwrapKey"], tags: { purpose: "keyward-platform-managed-key", createdBy: randomUUID() } });
  return `${vault.vaultUrl(PLATFORM_VAULT)}/keys/${PLATFORM_KEY}`;
}
