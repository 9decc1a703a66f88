// Names of things in a customer's vault: the vault's ARM resource id (what an enterprise policy
// stores), the vault's data-plane URL (what the SDK talks to), and key ids
// (https://{vault host}/keys/{name}/{version}, what every wrapped DEK stores beside itself).
// Everything here is pure: parse, validate, build. Invalid input is the caller's to fix, so it is
// an ApiError (400) the HTTP layer can return as is.
import { invalid } from "../errors";
import { settings, type Settings } from "../settings";

export type VaultKind = "vault" | "managedHsm";

export interface VaultResource {
  kind: VaultKind;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  /** The canonical ARM id: /subscriptions/{lowercase guid}/resourceGroups/{rg}/providers/Microsoft.KeyVault/{vaults|managedHSMs}/{name}. */
  id: string;
}

export interface KeyIdParts {
  /** https://host[:port], host lowercased, no trailing slash. */
  vaultUrl: string;
  name: string;
  /** Absent for a versionless key id. */
  version?: string;
  /** {vaultUrl}/keys/{name} */
  versionlessId: string;
  /** {vaultUrl}/keys/{name}[/{version}], normalised. */
  id: string;
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// Azure resource group names: 1-90 of letters, digits, '_', '(', ')', '-', '.', not ending in '.'.
const RESOURCE_GROUP = /^[\p{L}\p{N}_().-]{1,90}$/u;
// Key names: 1-127 letters, digits and hyphens (Key Vault object name rule).
const KEY_NAME = /^[A-Za-z0-9-]{1,127}$/;
// Azure issues 32 lowercase hex digits; the local vault may use another alphabet, so accept any
// short alphanumeric token rather than bake in Azure's exact format.
const KEY_VERSION = /^[A-Za-z0-9]{1,64}$/;

const PROVIDER_TYPES: Record<string, VaultKind> = { vaults: "vault", managedhsms: "managedHsm" };
const CANONICAL_TYPE: Record<VaultKind, string> = { vault: "vaults", managedHsm: "managedHSMs" };

/** Azure's rule for vault and managed HSM names: 3-24 characters, letters, digits and hyphens,
 * starting with a letter, ending with a letter or digit, no two hyphens in a row. */
export function isValidVaultName(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/.test(name) && !name.includes("--");
}

/**
 * Parses a vault (or managed HSM) ARM resource id. Segment names are matched case-insensitively,
 * as ARM does; the returned `id` is canonical so two spellings of one vault compare equal.
 * Throws ApiError 400 `InvalidKeyVaultId` naming what is wrong.
 */
export function parseVaultResourceId(value: string): VaultResource {
  const fail = (why: string) => invalid("InvalidKeyVaultId", `${JSON.stringify(value)} is not a Key Vault resource id: ${why}`, "keyVaultId");
  if (typeof value !== "string" || value.length > 400) throw fail("expected a string of at most 400 characters");
  const parts = value.replace(/\/+$/, "").split("/");
  // ["", "subscriptions", sub, "resourceGroups", rg, "providers", "Microsoft.KeyVault", type, name]
  if (parts.length !== 9 || parts[0] !== "") {
    throw fail("expected /subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{name}");
  }
  const [, subs, subscriptionId, rgs, resourceGroup, providers, namespace, type, name] = parts;
  if (subs.toLowerCase() !== "subscriptions" || rgs.toLowerCase() !== "resourcegroups" || providers.toLowerCase() !== "providers") {
    throw fail("expected /subscriptions/{id}/resourceGroups/{group}/providers/...");
  }
  if (!GUID.test(subscriptionId)) throw fail("the subscription id is not a GUID");
  if (!RESOURCE_GROUP.test(resourceGroup) || resourceGroup.endsWith(".")) throw fail("the resource group name is not valid");
  if (namespace.toLowerCase() !== "microsoft.keyvault") throw fail("the provider is not Microsoft.KeyVault");
  const kind = PROVIDER_TYPES[type.toLowerCase()];
  if (!kind) throw fail("the resource type is neither vaults nor managedHSMs");
  if (!isValidVaultName(name)) {
    throw fail("a vault name is 3-24 letters, digits and hyphens, starts with a letter, ends with a letter or digit, with no consecutive hyphens");
  }
  const sub = subscriptionId.toLowerCase();
  return {
    kind,
    subscriptionId: sub,
    resourceGroup,
    name,
    id: `/subscriptions/${sub}/resourceGroups/${resourceGroup}/providers/Microsoft.KeyVault/${CANONICAL_TYPE[kind]}/${name}`,
  };
}

/** True when both ids name the same vault (ARM ids compare case-insensitively). */
export function sameVaultResource(a: string, b: string): boolean {
  return parseVaultResourceId(a).id.toLowerCase() === parseVaultResourceId(b).id.toLowerCase();
}

/** The data-plane URL of a vault or managed HSM, from the settings' URL templates. */
export function vaultUrlFor(vault: Pick<VaultResource, "kind" | "name">, s: Settings = settings()): string {
  if (!isValidVaultName(vault.name)) throw invalid("InvalidKeyVaultName", `${JSON.stringify(vault.name)} is not a valid vault name`);
  const template = vault.kind === "managedHsm" ? s.managedHsmUrlTemplate : s.vaultUrlTemplate;
  if (!template.includes("{vault}")) throw new Error(`The vault URL template ${JSON.stringify(template)} has no {vault} placeholder`);
  // DNS names are case-insensitive; the vault echoes ids with a lowercase host, so build the same.
  return normaliseVaultUrl(template.replace("{vault}", vault.name.toLowerCase()));
}

/** https://host[:port] with the host lowercased and no path or trailing slash. */
export function normaliseVaultUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid("InvalidKeyVaultUrl", `${JSON.stringify(url)} is not a URL`);
  }
  if (u.protocol !== "https:") throw invalid("InvalidKeyVaultUrl", `${JSON.stringify(url)} is not an https URL`);
  if ((u.pathname !== "/" && u.pathname !== "") || u.search || u.hash || u.username || u.password) {
    throw invalid("InvalidKeyVaultUrl", `${JSON.stringify(url)} must be just https://host[:port]`);
  }
  return u.origin.toLowerCase();
}

/** Domain suffixes (".vault.azure.net", and whatever the templates say) that name vault hosts. */
export function vaultHostSuffixes(s: Settings = settings()): string[] {
  const suffixes = new Set([".vault.azure.net", ".managedhsm.azure.net"]);
  for (const template of [s.vaultUrlTemplate, s.managedHsmUrlTemplate]) {
    const m = /^https:\/\/\{vault\}(\.[^/:]+)/i.exec(template);
    if (m) suffixes.add(m[1].toLowerCase());
  }
  return [...suffixes];
}

/** True for a host name that is a vault's or managed HSM's (so an unknown one is a deleted vault). */
export function isVaultHost(hostname: string, s: Settings = settings()): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  return vaultHostSuffixes(s).some((suffix) => host.endsWith(suffix) && host.length > suffix.length);
}

/**
 * Parses https://host[:port]/keys/{name}[/{version}]. The host must be a vault or managed HSM
 * host (per the settings' templates), so a stored key id can never send our tokens elsewhere.
 * Throws ApiError 400 `InvalidKeyId`.
 */
export function parseKeyId(keyId: string, s: Settings = settings()): KeyIdParts {
  const fail = (why: string) => invalid("InvalidKeyId", `${JSON.stringify(keyId)} is not a Key Vault key id: ${why}`, "keyId");
  if (typeof keyId !== "string" || keyId.length > 1000) throw fail("expected a string");
  let u: URL;
  try {
    u = new URL(keyId);
  } catch {
    throw fail("not a URL");
  }
  if (u.protocol !== "https:") throw fail("not https");
  if (u.search || u.hash || u.username || u.password) throw fail("query, fragment and credentials are not allowed");
  if (!isVaultHost(u.hostname, s)) throw fail(`${u.hostname} is not a Key Vault or managed HSM host`);
  const segments = u.pathname.replace(/\/$/, "").split("/");
  // ["", "keys", name] or ["", "keys", name, version]
  if (segments.length < 3 || segments.length > 4 || segments[0] !== "" || segments[1] !== "keys") throw fail("expected /keys/{name}[/{version}]");
  const name = segments[2];
  const version = segments[3];
  if (!KEY_NAME.test(name)) throw fail("the key name is 1-127 letters, digits and hyphens");
  if (version !== undefined && !KEY_VERSION.test(version)) throw fail("the key version is not valid");
  const vaultUrl = u.origin.toLowerCase();
  const versionlessId = `${vaultUrl}/keys/${name}`;
  return { vaultUrl, name, version, versionlessId, id: version ? `${versionlessId}/${version}` : versionlessId };
}

/** True when `keyId` parses and names a key version. Never throws. */
export function isVersionedKeyId(keyId: string, s: Settings = settings()): boolean {
  try {
    return parseKeyId(keyId, s).version !== undefined;
  } catch {
    return false;
  }
}

/** Builds a key id from its parts; `version` optional. */
export function keyIdFor(vaultUrl: string, name: string, version?: string): string {
  const base = `${normaliseVaultUrl(vaultUrl)}/keys/${name}`;
  return version ? `${base}/${version}` : base;
}
