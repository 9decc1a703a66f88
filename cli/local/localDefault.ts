// The embedded default's local Key Vault, as its key vault administrator sees it: the management
// API (the local stand-in for ARM: vaults and role assignments) and a real KeyClient per vault,
// both from .keyward/local.json, trusting the local CA. Opening it checks first that the file
// describes the local default (guard.ts); nothing is sent anywhere else, and nothing changes the
// platform's own vault (its key and grants are keyward's).
import fs from "node:fs";
import { KeyClient } from "@azure/keyvault-keys";
import type { TokenCredential } from "@azure/core-auth";
import type { LocalFile } from "../../local/cli/localFile";
import { localVaultAgent } from "../../local/keyvault/agent";
import { PLATFORM_VAULT } from "../../local/platformKey";
import { localVaultManagementClient, type LocalVaultManagementClient } from "../../local/keyvault/managementClient";
import { readLocalFileIfPresent } from "../localFileReader";
import { ConfigError } from "../errors";
import { checkLocalDefault, checkLocalScope, checkNotPlatformScope, checkNotPlatformVault, localVaultTemplate, parseLocalKeyId, platformVaultName, type KeyIdParts } from "./guard";

/** The audience of tokens for the Key Vault data plane. */
const VAULT_AUDIENCE = "https://vault.azure.net";

export interface LocalDefault {
  readonly file: LocalFile;
  readonly management: LocalVaultManagementClient;
  /** The key vault administrator inside the local vault: the embedded default's Keys.Admin principal. */
  readonly adminPrincipalId: string;
  vaultUrl(vaultName: string): string;
  keyClient(vaultName: string): KeyClient;
  parseKeyId(id: string): KeyIdParts;
  /** Refuses a role assignment scope outside the local vaults, or on (in, or above) the platform's vault. */
  checkScope(...scopes: string[]): Promise<void>;
  /** Refuses a key command on the platform's vault. */
  checkKeyVault(vaultName: string): void;
}

export interface OpenLocalDefaultOptions {
  localFilePath: string;
  /** The API address the caller asked for, if any (KEYWARD_API or --api): it must be the local one. */
  requestedApi?: { value: string; from: string };
}

function tokenCredential(tokenEndpoint: string, oid: string): TokenCredential {
  return {
    getToken: async () => {
      const res = await fetch(tokenEndpoint, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ oid, roles: [], audience: VAULT_AUDIENCE, lifetimeSeconds: 3600 }),
      }).catch(() => { throw new ConfigError(`The local token issuer at ${tokenEndpoint} does not answer: is 'npm start' running?`); });
      if (!res.ok) throw new ConfigError(`The local token issuer refused a vault token: ${res.status}.`);
      const body = (await res.json()) as { access_token: string; expires_on?: number };
      return { token: body.access_token, expiresOnTimestamp: (body.expires_on ?? Math.floor(Date.now() / 1000) + 3000) * 1000 };
    },
  };
}

export function openLocalDefault(options: OpenLocalDefaultOptions): LocalDefault {
  const file = readLocalFileIfPresent(options.localFilePath);
  if (!file) throw new ConfigError(`${options.localFilePath} does not exist: 'keyward local' drives the embedded default, so start it first with 'npm start' (in this folder, or set KEYWARD_LOCAL_DIR to its data folder).`);
  checkLocalDefault(file, options.requestedApi);
  const template = localVaultTemplate(file.vault.urlTemplate);
  const adminPrincipalId = file.principals?.["Keys.Admin"];
  if (!adminPrincipalId) throw new ConfigError(`${options.localFilePath} names no Keys.Admin principal: restart 'npm start' to write it again.`);
  let caCertPem: string;
  try {
    caCertPem = fs.readFileSync(file.vault.caCertPath, "utf8");
  } catch {
    throw new ConfigError(`The local vault's CA certificate ${file.vault.caCertPath} cannot be read: restart 'npm start'.`);
  }
  const management = localVaultManagementClient({ managementUrl: file.vault.managementUrl, caCertPem });
  const agent = localVaultAgent({ caCertPem, resolve: management.resolve });
  const credential = tokenCredential(file.tokenEndpoint, adminPrincipalId);
  // The platform key's vault, as the file names it (an older file without it: the embedded default's name).
  const platformVault = platformVaultName(file.platformKeyId, template) ?? PLATFORM_VAULT;
  const vaultUrl = (vaultName: string) => template.replace("{vault}", vaultName.toLowerCase());
  return {
    file, management, adminPrincipalId, vaultUrl,
    keyClient: (vaultName) => new KeyClient(vaultUrl(vaultName), credential, { agent } as ConstructorParameters<typeof KeyClient>[2]),
    parseKeyId: (id) => parseLocalKeyId(id, template),
    async checkScope(...scopes) {
      const vaults = (await management.request<{ value: { id: string; name: string }[] }>("GET", "/vaults")).body.value;
      const platformId = vaults.find((v) => v.name.toLowerCase() === platformVault)?.id;
      for (const scope of scopes) {
        checkLocalScope(scope, vaults.map((v) => v.id));
        checkNotPlatformScope(scope, { name: platformVault, id: platformId });
      }
    },
    checkKeyVault: (vaultName) => checkNotPlatformVault(vaultName, { name: platformVault }),
  };
}
