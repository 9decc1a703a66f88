// The JSON shapes the keys API answers with, exactly as Azure Key Vault writes them.
import type { DeletedKeyState, KeyState, KeyVersionState, VaultState } from "./state";
import { recoveryLevel } from "./context";
import { publicJwk } from "./keyTypes";

export function attributes(vault: VaultState, v: KeyVersionState): Record<string, unknown> {
  return {
    enabled: v.enabled,
    ...(v.nbf !== undefined ? { nbf: v.nbf } : {}),
    ...(v.exp !== undefined ? { exp: v.exp } : {}),
    created: v.created,
    updated: v.updated,
    recoveryLevel: recoveryLevel(vault),
    ...(vault.softDelete ? { recoverableDays: vault.retentionDays } : {}),
    exportable: false,
  };
}

export const currentVersion = (key: KeyState): KeyVersionState => key.versions[key.versions.length - 1];

/** KeyBundle: the public JWK (RSA n/e, EC crv/x/y), attributes and tags of one version. */
export function keyBundle(vault: VaultState, baseUrl: string, key: KeyState, v: KeyVersionState): Record<string, unknown> {
  return {
    key: publicJwk(`${baseUrl}/keys/${key.name}/${v.version}`, v),
    attributes: attributes(vault, v),
    ...(v.tags ? { tags: { ...v.tags } } : {}),
  };
}

/** KeyItem for `GET /keys` (no version in kid) or `GET /keys/{name}/versions` (versioned kid). */
export function keyItem(vault: VaultState, baseUrl: string, key: KeyState, v: KeyVersionState, versioned: boolean): Record<string, unknown> {
  return {
    kid: versioned ? `${baseUrl}/keys/${key.name}/${v.version}` : `${baseUrl}/keys/${key.name}`,
    attributes: attributes(vault, v),
    ...(v.tags ? { tags: { ...v.tags } } : {}),
  };
}

function deletedFields(baseUrl: string, d: DeletedKeyState): Record<string, unknown> {
  return { recoveryId: `${baseUrl}/deletedkeys/${d.key.name}`, deletedDate: d.deletedDate, scheduledPurgeDate: d.scheduledPurgeDate };
}

export function deletedKeyBundle(vault: VaultState, baseUrl: string, d: DeletedKeyState): Record<string, unknown> {
  return { ...deletedFields(baseUrl, d), ...keyBundle(vault, baseUrl, d.key, currentVersion(d.key)) };
}

export function deletedKeyItem(vault: VaultState, baseUrl: string, d: DeletedKeyState): Record<string, unknown> {
  return { ...deletedFields(baseUrl, d), ...keyItem(vault, baseUrl, d.key, currentVersion(d.key), false) };
}
