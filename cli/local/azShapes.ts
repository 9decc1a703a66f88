// What `keyward local` prints: the JSON the Azure CLI prints for the same command (its field
// names and nesting), for the fields the local vault has. So `key create` prints the key id at
// .key.kid, `keyvault create` the vault's ARM id at .id, `role assignment create` the
// assignment's id at .id, as `az` does.
import type { DeletedKey, KeyVaultKey } from "@azure/keyvault-keys";
import type { RoleAssignmentInfo, VaultInfo } from "../../local/keyvault/managementClient";

const iso = (d: Date | undefined) => (d ? d.toISOString() : null);

/** `az keyvault create|show`. */
export function azVault(v: VaultInfo): Record<string, unknown> {
  return {
    id: v.id,
    name: v.name,
    type: "Microsoft.KeyVault/vaults",
    location: "local",
    resourceGroup: v.properties.resourceGroup,
    properties: {
      enablePurgeProtection: v.properties.purgeProtection || null,
      enableRbacAuthorization: true,
      enableSoftDelete: v.properties.softDelete,
      softDeleteRetentionInDays: v.properties.retentionDays,
      tenantId: v.properties.tenantId,
      vaultUri: `${v.vaultUri.replace(/\/+$/, "")}/`,
    },
  };
}

/** `az keyvault key create|show|rotate|set-attributes|recover`. */
export function azKey(k: KeyVaultKey): Record<string, unknown> {
  const p = k.properties;
  return {
    attributes: {
      created: iso(p.createdOn), enabled: p.enabled ?? null, expires: iso(p.expiresOn), exportable: p.exportable ?? false,
      notBefore: iso(p.notBefore), recoverableDays: p.recoverableDays ?? null, recoveryLevel: p.recoveryLevel ?? null, updated: iso(p.updatedOn),
    },
    key: { kid: k.id ?? null, kty: k.keyType ?? null, keyOps: k.keyOperations ?? [] },
    managed: null,
    name: k.name,
    tags: p.tags ?? null,
  };
}

/** `az keyvault key delete`. */
export function azDeletedKey(k: DeletedKey): Record<string, unknown> {
  return {
    ...azKey(k as KeyVaultKey),
    deletedDate: iso(k.properties.deletedOn),
    recoveryId: k.properties.recoveryId ?? null,
    scheduledPurgeDate: iso(k.properties.scheduledPurgeDate),
  };
}

/** `az role assignment create|list`. */
export function azRoleAssignment(a: RoleAssignmentInfo): Record<string, unknown> {
  return {
    createdOn: new Date(a.created * 1000).toISOString(),
    id: a.resourceId,
    name: a.id,
    principalId: a.principalId,
    roleDefinitionName: a.roleDefinitionName,
    scope: a.scope,
    type: "Microsoft.Authorization/roleAssignments",
  };
}
