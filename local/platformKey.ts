// The platform-managed key in the local vault: every environment starts with DEKs wrapped by it.
// Created once (the vault state persists), with the platform principal granted wrap and unwrap.
import { randomUUID } from "node:crypto";
import { KeyClient } from "@azure/keyvault-keys";
import type { TokenCredential } from "@azure/core-auth";
import type { LocalIssuer } from "./issuer";
import { localVaultAgent, localVaultManagementClient, type LocalVault } from "./keyvault";

export const PLATFORM_VAULT = "keyward-platform";
export const PLATFORM_KEY = "platform-kek";
/** The legacy bring-your-own-key feature's tenant key, held by the platform (for BYOK migration). */
export const BYOK_KEY = "tenant-byok-key";
/** The principal that stands for the platform's key administrators in the local vault. */
const PLATFORM_KEY_OFFICER = "00000000-0000-4000-8000-0000000000a1";

export function issuerCredential(issuer: LocalIssuer, oid: string): TokenCredential {
  return {
    getToken: async () => ({ token: await issuer.sign({ oid, audience: "https://vault.azure.net", lifetimeSeconds: 3600 }), expiresOnTimestamp: Date.now() + 3_000_000 }),
  };
}

/** Creates (once) the platform key and the legacy BYOK tenant key; returns their versionless ids. */
export async function createPlatformKeys(options: { vault: LocalVault; issuer: LocalIssuer; platformPrincipalId: string }): Promise<{ platformKeyId: string; byokKeyId: string }> {
  const { vault, issuer, platformPrincipalId } = options;
  const management = localVaultManagementClient(vault);
  const info = await management.putVault(PLATFORM_VAULT, { softDelete: true, purgeProtection: true, retentionDays: 90 });
  await management.putRoleAssignment("platform-key-officer", { principalId: PLATFORM_KEY_OFFICER, roleDefinitionName: "Key Vault Crypto Officer", scope: info.id });
  await management.putRoleAssignment("platform-key-user", { principalId: platformPrincipalId, roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: info.id });
  const client = new KeyClient(vault.vaultUrl(PLATFORM_VAULT), issuerCredential(issuer, PLATFORM_KEY_OFFICER), {
    agent: localVaultAgent({ caCertPem: vault.caCertPem }),
  } as ConstructorParameters<typeof KeyClient>[2]);
  const ensure = async (name: string, purpose: string): Promise<string> => {
    try {
      await client.getKey(name);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      await client.createRsaKey(name, { keySize: 3072, keyOps: ["wrapKey", "unwrapKey"], tags: { purpose, createdBy: randomUUID() } });
    }
    return `${vault.vaultUrl(PLATFORM_VAULT)}/keys/${name}`;
  };
  return { platformKeyId: await ensure(PLATFORM_KEY, "keyward-platform-managed-key"), byokKeyId: await ensure(BYOK_KEY, "legacy-byok-tenant-key") };
}
