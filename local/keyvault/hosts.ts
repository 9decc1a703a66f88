// Host names, URLs and ARM ids: which vault a request is for, and how that vault is named.
import type { VaultKind } from "./types";

export const VAULT_DOMAIN = "vault.azure.net";
export const HSM_DOMAIN = "managedhsm.azure.net";

/** The token audience (challenge `resource`) per kind of vault. */
export const RESOURCE: Record<VaultKind, string> = {
  vault: "https://vault.azure.net",
  managedHsm: "https://managedhsm.azure.net",
};

/** Azure vault names: 3-24 characters, letters, digits and hyphens, starting with a letter. */
export const VAULT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;

export interface VaultHost {
  kind: VaultKind;
  /** Lower-cased vault name. */
  name: string;
}

/** Parses a host name (no port) like `myvault.vault.azure.net`; undefined for anything else. */
export function parseVaultHostName(hostname: string): VaultHost | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  for (const [kind, domain] of [["vault", VAULT_DOMAIN], ["managedHsm", HSM_DOMAIN]] as const) {
    if (host.endsWith(`.${domain}`)) {
      const name = host.slice(0, -(domain.length + 1));
      if (VAULT_NAME.test(name)) return { kind, name };
      return undefined;
    }
  }
  return undefined;
}

/** The host name part of a Host header (`name.vault.azure.net:443` -> `name.vault.azure.net`). */
export function hostNameOf(hostHeader: string | undefined): string {
  if (!hostHeader) return "";
  if (hostHeader.startsWith("[")) return hostHeader.slice(0, hostHeader.indexOf("]") + 1);
  return hostHeader.replace(/:\d+$/, "").toLowerCase();
}

export function isVaultHostName(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  return host.endsWith(`.${VAULT_DOMAIN}`) || host.endsWith(`.${HSM_DOMAIN}`);
}

export function vaultBaseUrl(kind: VaultKind, name: string, port: number): string {
  return `https://${name}.${kind === "vault" ? VAULT_DOMAIN : HSM_DOMAIN}:${port}`;
}

export function armId(kind: VaultKind, subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.KeyVault/${kind === "vault" ? "vaults" : "managedHSMs"}/${name}`;
}
