// Azure RBAC for the data plane: built-in role definitions as data-action patterns, the data
// action each keys API operation needs, and the check "does any assignment of this principal, at
// a scope that covers the resource, grant a role that permits the action".
import type { KeyOperation } from "./operations";
import type { RoleAssignmentState } from "./state";
import type { VaultKind } from "./types";

const V = "Microsoft.KeyVault/vaults";
const H = "Microsoft.KeyVault/managedHsm";

/**
 * Built-in roles and their data actions (`*` matches any run of characters, as in Azure). Vault
 * roles as Azure defines them (role definitions 00482a5a... Administrator, 14b46e9e... Crypto
 * Officer, 12338af0... Crypto User, e147488a... Crypto Service Encryption User, 21090545...
 * Reader); their control-plane `actions` (e.g. Crypto Officer's `Microsoft.KeyVault/vaults/*\/read`)
 * grant nothing on the data plane and are left out. Managed HSM roles: its local RBAC roles, as
 * before (not re-checked: the stored sources of 2021 and of today disagree on Crypto User/Officer).
 */
export const ROLE_DEFINITIONS: Record<string, readonly string[]> = {
  "Key Vault Administrator": [`${V}/*`],
  "Key Vault Crypto Officer": [`${V}/keys/*`, `${V}/keyrotationpolicies/*`],
  "Key Vault Crypto User": [
    `${V}/keys/read`, `${V}/keys/update/action`, `${V}/keys/backup/action`, `${V}/keys/encrypt/action`, `${V}/keys/decrypt/action`,
    `${V}/keys/wrap/action`, `${V}/keys/unwrap/action`, `${V}/keys/sign/action`, `${V}/keys/verify/action`,
  ],
  "Key Vault Crypto Service Encryption User": [`${V}/keys/read`, `${V}/keys/wrap/action`, `${V}/keys/unwrap/action`],
  "Key Vault Reader": [`${V}/*/read`, `${V}/secrets/readMetadata/action`],
  "Managed HSM Administrator": [`${H}/*`],
  "Managed HSM Crypto Officer": [`${H}/keys/*`],
  "Managed HSM Crypto User": [
    `${H}/keys/read/action`, `${H}/keys/write/action`, `${H}/keys/create`, `${H}/keys/delete`, `${H}/keys/rotate/action`,
    `${H}/keys/import/action`, `${H}/keys/backup/action`, `${H}/keys/restore/action`,
    `${H}/keys/encrypt/action`, `${H}/keys/decrypt/action`, `${H}/keys/wrap/action`, `${H}/keys/unwrap/action`,
    `${H}/keys/sign/action`, `${H}/keys/verify/action`, `${H}/keys/deletedKeys/read/action`, `${H}/keys/deletedKeys/recover/action`,
  ],
  "Managed HSM Crypto Service Encryption User": [`${H}/keys/read/action`, `${H}/keys/wrap/action`, `${H}/keys/unwrap/action`],
  "Managed HSM Crypto Auditor": [`${H}/keys/read/action`, `${H}/keys/deletedKeys/read/action`],
};

export const isKnownRole = (name: string): boolean => Object.prototype.hasOwnProperty.call(ROLE_DEFINITIONS, name);

/** Azure's data action per keys API operation (the access policy -> RBAC mapping of Azure's
 * KeyVault-AccessPolicyToRBAC-CompareTool): deleted keys are read with keys/read (the "list"
 * permission), recovered with keys/recover/action and purged with keys/purge/action. */
const VAULT_ACTIONS: Record<KeyOperation, string> = {
  get: `${V}/keys/read`, list: `${V}/keys/read`, listVersions: `${V}/keys/read`,
  create: `${V}/keys/create/action`, import: `${V}/keys/import/action`, update: `${V}/keys/update/action`,
  delete: `${V}/keys/delete`, rotate: `${V}/keys/rotate/action`,
  getRotationPolicy: `${V}/keyrotationpolicies/read`, setRotationPolicy: `${V}/keyrotationpolicies/write`,
  getDeleted: `${V}/keys/read`, listDeleted: `${V}/keys/read`,
  recover: `${V}/keys/recover/action`, purge: `${V}/keys/purge/action`,
  backup: `${V}/keys/backup/action`, restore: `${V}/keys/restore/action`,
  wrapKey: `${V}/keys/wrap/action`, unwrapKey: `${V}/keys/unwrap/action`,
  encrypt: `${V}/keys/encrypt/action`, decrypt: `${V}/keys/decrypt/action`,
  sign: `${V}/keys/sign/action`, verify: `${V}/keys/verify/action`,
};

const HSM_ACTIONS: Record<KeyOperation, string> = {
  get: `${H}/keys/read/action`, list: `${H}/keys/read/action`, listVersions: `${H}/keys/read/action`,
  create: `${H}/keys/create`, import: `${H}/keys/import/action`, update: `${H}/keys/write/action`,
  delete: `${H}/keys/delete`, rotate: `${H}/keys/rotate/action`,
  getRotationPolicy: `${H}/keys/read/action`, setRotationPolicy: `${H}/keys/write/action`,
  getDeleted: `${H}/keys/deletedKeys/read/action`, listDeleted: `${H}/keys/deletedKeys/read/action`,
  recover: `${H}/keys/deletedKeys/recover/action`, purge: `${H}/keys/deletedKeys/delete`,
  backup: `${H}/keys/backup/action`, restore: `${H}/keys/restore/action`,
  wrapKey: `${H}/keys/wrap/action`, unwrapKey: `${H}/keys/unwrap/action`,
  encrypt: `${H}/keys/encrypt/action`, decrypt: `${H}/keys/decrypt/action`,
  sign: `${H}/keys/sign/action`, verify: `${H}/keys/verify/action`,
};

/** The data action an operation needs on a vault (or managed HSM). */
export function actionFor(kind: VaultKind, operation: KeyOperation): string {
  return (kind === "vault" ? VAULT_ACTIONS : HSM_ACTIONS)[operation];
}

const patternCache = new Map<string, RegExp>();
function matches(pattern: string, action: string): boolean {
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`, "i");
    patternCache.set(pattern, re);
  }
  return re.test(action);
}

export function roleAllows(roleDefinitionName: string, action: string): boolean {
  return (ROLE_DEFINITIONS[roleDefinitionName] ?? []).some((p) => matches(p, action));
}

const normalizeScope = (scope: string): string => scope.toLowerCase().replace(/\/+$/, "");

/** True when the assignment scope is the resource or one of its ancestors (`/` covers everything). */
export function scopeCovers(scope: string, resource: string): boolean {
  const s = normalizeScope(scope);
  const r = normalizeScope(resource);
  return s === "" || r === s || r.startsWith(`${s}/`);
}

export function isAuthorized(assignments: Iterable<RoleAssignmentState>, principalId: string, resource: string, action: string): boolean {
  for (const a of assignments) {
    if (a.principalId.toLowerCase() === principalId.toLowerCase() && scopeCovers(a.scope, resource) && roleAllows(a.roleDefinitionName, action)) return true;
  }
  return false;
}
