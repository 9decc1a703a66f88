import type { LocalIssuer } from "./issuer";
import type { LocalVault } from "./keyvault";

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
