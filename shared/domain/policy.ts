// The enterprise policy: the customer's binding of one key in one vault to the platform, in the
// ARM shape of the reference's template (Microsoft.PowerPlatform/enterprisePolicies).

export interface PolicyIdentity {
  type: "SystemAssigned";
  /** The principal the key vault administrator grants on the key. */
  principalId: string;
  tenantId: string;
  /** The client id keyward authenticates as (a managed identity in Azure). */
  clientId: string;
}

export interface EnterprisePolicy {
  /** The Entra tenant the policy belongs to: only its callers reach it, only its environments join it. */
  tenantId: string;
  /** Unique within the tenant. */
  name: string;
  location: string;
  keyVaultId: string;
  /**
   * The vault's Entra tenant when it is not keyward's own (reached through keyward's multi-tenant
   * app: identity.principalId is that app's service principal in this tenant). Absent: keyward's tenant.
   */
  keyVaultTenantId?: string;
  keyName: string;
  identity: PolicyIdentity;
  /** Object ids of platform admins granted Reader: only they may add environments to it. */
  readers: string[];
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  /**
   * Counts every add that joins an environment to the policy (bumped with If-Match), so a delete
   * or re-point that found no environment writes only if no add slipped in meanwhile.
   */
  revision?: number;
}

export const POLICY_RESOURCE_TYPE = "Microsoft.PowerPlatform/enterprisePolicies";

/** The policy as the API returns it: the ARM resource shape plus keyward's readers list. */
export function policyResource(p: EnterprisePolicy, subscriptionPath = "/providers/keyward"): Record<string, unknown> {
  return {
    id: `${subscriptionPath}/${POLICY_RESOURCE_TYPE}/${p.name}`,
    name: p.name,
    type: POLICY_RESOURCE_TYPE,
    location: p.location,
    kind: "Encryption",
    identity: { type: p.identity.type, principalId: p.identity.principalId, tenantId: p.identity.tenantId },
    properties: {
      lockbox: null,
      encryption: { state: "Enabled", keyVault: { id: p.keyVaultId, ...(p.keyVaultTenantId ? { tenantId: p.keyVaultTenantId } : {}), key: { name: p.keyName } } },
      networkInjection: null,
      readers: p.readers,
    },
    systemData: { createdBy: p.createdBy, createdAt: p.createdAt, lastModifiedAt: p.updatedAt },
  };
}
