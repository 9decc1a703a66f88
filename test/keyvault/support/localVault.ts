// A local issuer and local vault for one test file, with keyward's settings pointing at them
// (local identity mode, the vault's URL templates and CA, its management URL for resolution),
// plus the administrator moves a customer makes in their own vault.
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import { randomUUID } from "node:crypto";
import type { KeyClient } from "@azure/keyvault-keys";
import { startLocalIssuer, type LocalIssuer } from "../../../local/issuer";
import { startLocalVault, localVaultManagementClient, type LocalVault, type LocalVaultManagementClient, type VaultInfo } from "../../../local/keyvault";
import { createTokenVerifier } from "../../../shared/auth/tokenVerifier";
import { localKeyVaultSettings } from "../../../local/keyVaultSettings";
import { KeyVaultClientFactory } from "../../../shared/keyvault/clientFactory";
import type { KeyVaultIdentity } from "../../../shared/keyvault/credentials";

export const ADMIN: KeyVaultIdentity = { principalId: "dddddddd-0000-4000-8000-00000000ad01" };

export interface VaultFixture {
  issuer: LocalIssuer;
  vault: LocalVault;
  mgmt: LocalVaultManagementClient;
  /** A factory for administrator calls (keys are created and changed through keyward's own stack). */
  adminClients: KeyVaultClientFactory;
  stop(): Promise<void>;
}

export async function startVaultFixture(): Promise<VaultFixture> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-kv-"));
  const issuer = await startLocalIssuer();
  const verify = createTokenVerifier({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, audience: ["https://vault.azure.net", "https://managedhsm.azure.net"], clockSkewSeconds: 5 });
  const vault = await startLocalVault({ dataDir, verifyToken: verify, expiryCheckIntervalMs: 3_600_000 });
  const settings = localKeyVaultSettings(issuer, vault);
  const saved = Object.fromEntries(Object.keys(settings).map((k) => [k, process.env[k]]));
  Object.assign(process.env, settings);
  const mgmt = localVaultManagementClient({ managementUrl: vault.managementUrl, caCertPem: vault.caCertPem });
  return {
    issuer, vault, mgmt, adminClients: new KeyVaultClientFactory(),
    async stop() {
      await vault.stop();
      await issuer.stop();
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A vault (or managed HSM) with the administrator holding the admin role on it. */
export async function createVault(f: VaultFixture, name: string, props: { softDelete?: boolean; purgeProtection?: boolean; kind?: "vault" | "managedHsm" } = {}): Promise<VaultInfo> {
  const info = await f.mgmt.putVault(name, { softDelete: true, purgeProtection: true, retentionDays: 90, ...props });
  const role = props.kind === "managedHsm" ? "Managed HSM Administrator" : "Key Vault Administrator";
  await f.mgmt.putRoleAssignment(`admin-${name}`, { principalId: ADMIN.principalId, roleDefinitionName: role, scope: info.id });
  return info;
}

/** Grants `identity` what an enterprise policy needs on a key (or the whole vault). Returns the assignment id. */
export async function grantPolicy(f: VaultFixture, vault: VaultInfo, identity: KeyVaultIdentity, keyName?: string): Promise<string> {
  const id = `policy-${randomUUID()}`;
  const role = vault.properties.kind === "managedHsm" ? "Managed HSM Crypto Service Encryption User" : "Key Vault Crypto Service Encryption User";
  await f.mgmt.putRoleAssignment(id, { principalId: identity.principalId, roleDefinitionName: role, scope: keyName ? `${vault.id}/keys/${keyName}` : vault.id });
  return id;
}

export function adminKeys(f: VaultFixture, vault: VaultInfo): KeyClient {
  return f.adminClients.keyClient(ADMIN, vault.vaultUri);
}

/** Creates an RSA key for CMK use and returns its versioned id. */
export async function createCmk(f: VaultFixture, vault: VaultInfo, name: string, options: { keySize?: number; hsm?: boolean; expiresOn?: Date } = {}): Promise<string> {
  const key = await adminKeys(f, vault).createRsaKey(name, { keySize: options.keySize ?? 2048, hsm: options.hsm, keyOps: ["wrapKey", "unwrapKey"], expiresOn: options.expiresOn });
  return key.id!;
}

/** Vault requests logged since `seq` for an operation. */
export async function requestsSince(f: VaultFixture, seq: number, operation?: string) {
  const { value } = await f.mgmt.requests(seq);
  return operation ? value.filter((r) => r.operation === operation) : value;
}

export async function lastSeq(f: VaultFixture): Promise<number> {
  return (await f.mgmt.requests(Number.MAX_SAFE_INTEGER)).lastSeq;
}

export const newIdentity = (): KeyVaultIdentity => ({ principalId: randomUUID() });
