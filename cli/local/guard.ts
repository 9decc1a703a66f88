// Is this the embedded default? `keyward local` changes vaults, keys and role assignments, so it
// runs only where .keyward/local.json describes a keyward that `npm start` runs on this machine:
// its API, token issuer and vault management API on loopback, its vault URLs the local template
// (`https://{vault}.vault.azure.net:<port>`), and nothing (KEYWARD_API, --api, a key id, a scope)
// pointing anywhere else; and never the platform's own vault (keyward-platform, the vault of the
// platform key every environment starts on), whose keys and grants are keyward's, not the key vault
// admin's. Each refusal names what it saw and why. Pure functions: no I/O.
import type { LocalFile } from "../../local/cli/localFile";
import { NotLocalError } from "../errors";

const AZ_HINT = "Against Azure, use the Azure CLI itself ('az keyvault ...', 'az role assignment ...').";

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

function parseUrl(text: string | undefined): URL | undefined {
  try {
    return text ? new URL(text) : undefined;
  } catch {
    return undefined;
  }
}

const normalizeBase = (url: string) => url.trim().replace(/\/+$/, "").toLowerCase();

/** The vault URL template with a port, e.g. https://{vault}.vault.azure.net:53211; throws unless it is the local one. */
export function localVaultTemplate(template: string | undefined): string {
  const sample = parseUrl(template?.replace("{vault}", "sample"));
  if (!template?.includes("{vault}") || !sample || sample.protocol !== "https:" || !sample.hostname.endsWith(".vault.azure.net") || !sample.port) {
    throw new NotLocalError(`The vault URL template ${JSON.stringify(template)} in .keyward/local.json is not the local Key Vault's ` +
      "(https://{vault}.vault.azure.net:<port>, served on this machine by 'npm start'); without the local port it names Azure's vaults. " +
      `Restart 'npm start' to write the file again. ${AZ_HINT}`);
  }
  return template;
}

/**
 * Throws NotLocalError unless `local` is the embedded default and the caller's API address (from
 * KEYWARD_API or --api, when given) is that same keyward.
 */
export function checkLocalDefault(local: LocalFile, requestedApi: { value: string; from: string } | undefined): void {
  const api = parseUrl(local.apiBaseUrl);
  if (!api || !isLoopbackHost(api.hostname)) {
    throw new NotLocalError(`.keyward/local.json names the API ${JSON.stringify(local.apiBaseUrl)}, which is not on this machine: it was not written by 'npm start'. ${AZ_HINT}`);
  }
  if (requestedApi && normalizeBase(requestedApi.value) !== normalizeBase(local.apiBaseUrl)) {
    throw new NotLocalError(`${requestedApi.from} is ${requestedApi.value}, not the local keyward (${local.apiBaseUrl} in .keyward/local.json). ` +
      `'keyward local' only changes the embedded default's local Key Vault; unset ${requestedApi.from} to use it. ${AZ_HINT}`);
  }
  const management = parseUrl(local.vault?.managementUrl);
  if (!management || !isLoopbackHost(management.hostname) || !management.pathname.startsWith("/_local")) {
    throw new NotLocalError(`The vault management URL ${JSON.stringify(local.vault?.managementUrl)} in .keyward/local.json is not the local vault's (https://127.0.0.1:<port>/_local). ${AZ_HINT}`);
  }
  const tokens = parseUrl(local.tokenEndpoint);
  if (!tokens || !isLoopbackHost(tokens.hostname)) {
    throw new NotLocalError(`The token endpoint ${JSON.stringify(local.tokenEndpoint)} in .keyward/local.json is not the local issuer's. ${AZ_HINT}`);
  }
  localVaultTemplate(local.vault?.urlTemplate);
}

export interface KeyIdParts {
  vaultName: string;
  collection: "keys" | "deletedkeys";
  name: string;
  version?: string;
}

/** Splits a key id (or a deleted key's recovery id); refuses one that is not under the local template. */
export function parseLocalKeyId(id: string, template: string): KeyIdParts {
  const url = parseUrl(id);
  const [prefix, suffix] = template.split("{vault}");
  const origin = url ? `${url.protocol}//${url.host}`.toLowerCase() : "";
  const vaultName = url && origin.startsWith(prefix.toLowerCase()) && origin.endsWith(suffix.toLowerCase())
    ? origin.slice(prefix.length, origin.length - suffix.length) : "";
  if (!url || !vaultName || vaultName.includes(".")) {
    throw new NotLocalError(`${id} is not a key of the local Key Vault: its vaults are ${template}. ${AZ_HINT}`);
  }
  const [collection, name, version, ...rest] = url.pathname.replace(/^\/+|\/+$/g, "").split("/");
  if ((collection !== "keys" && collection !== "deletedkeys") || !name || rest.length || (collection === "deletedkeys" && version)) {
    throw new NotLocalError(`${id} is not a key id: expected ${template.replace("{vault}", vaultName)}/keys/<name>[/<version>] (or /deletedkeys/<name> to recover).`);
  }
  return { vaultName, collection, name, ...(version ? { version } : {}) };
}

const scopeOf = (s: string) => s.toLowerCase().replace(/\/+$/, "");
/** Whether an assignment at `outer` applies at `inner` (the same scope or one of its parents). */
export const scopeCovers = (outer: string, inner: string) => scopeOf(outer) === scopeOf(inner) || scopeOf(inner).startsWith(`${scopeOf(outer)}/`);

/** The platform's vault: its name (from the platform key's id in .keyward/local.json) and its ARM id, when known. */
export interface PlatformVault {
  name: string;
  id?: string;
}

/** The platform vault's name, from the platform key's id (https://keyward-platform.vault.azure.net:<port>/keys/<name>). */
export function platformVaultName(platformKeyId: string | undefined, template: string): string | undefined {
  if (!platformKeyId) return undefined;
  try {
    return parseLocalKeyId(platformKeyId, template).vaultName.toLowerCase();
  } catch {
    return undefined;
  }
}

const PLATFORM_WHY = "it holds the platform key every environment starts on, and its grants are keyward's own: changing them can lock every environment.";

/** Refuses a key command on the platform's vault. */
export function checkNotPlatformVault(vaultName: string, platform: PlatformVault | undefined): void {
  if (platform && vaultName.toLowerCase() === platform.name) {
    throw new NotLocalError(`${vaultName} is the platform's own vault, not a customer's: 'keyward local' does not change it, as ${PLATFORM_WHY} ` +
      "Create a vault of your own with 'keyward local keyvault create --name <vault>'.");
  }
}

/**
 * Refuses a role assignment scope that is, lies in, or covers the platform's vault (its
 * subscription and resource group hold it too): an assignment there grants on it, and deleting
 * one there can revoke the platform's own access.
 */
export function checkNotPlatformScope(scope: string, platform: PlatformVault | undefined): void {
  if (!platform?.id || !(scopeCovers(scope, platform.id) || scopeCovers(platform.id, scope))) return;
  const where = scopeCovers(platform.id, scope) ? "is in" : "covers";
  throw new NotLocalError(`The scope ${scope} ${where} the platform's own vault ${platform.id}: 'keyward local' does not change role assignments there, as ${PLATFORM_WHY} ` +
    "Use a vault of your own (its id, or <vault id>/keys/<key> for one key).");
}

/** The ARM ids of the local vaults; a scope must be one of them, lie under one, or be their subscription or resource group. */
export function checkLocalScope(scope: string, vaultIds: readonly string[]): void {
  const s = scopeOf(scope);
  const covered = vaultIds.some((id) => {
    const v = id.toLowerCase();
    if (s === v || s.startsWith(`${v}/`)) return true;
    const [, , subscription, , resourceGroup] = v.split("/");
    return s === `/subscriptions/${subscription}` || s === `/subscriptions/${subscription}/resourcegroups/${resourceGroup}`;
  });
  if (!covered) {
    const known = vaultIds.length ? vaultIds.join(", ") : "none yet ('keyward local keyvault create --name <vault>' makes one)";
    throw new NotLocalError(`The scope ${scope} is not a vault of the local Key Vault (its vaults: ${known}). ${AZ_HINT}`);
  }
}
