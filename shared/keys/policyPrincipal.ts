// Who a new enterprise policy's principal is (KEYWARD_POLICY_PRINCIPALS), the one thing the key
// vault administrator grants on the key:
// - tenantApp (Azure): keyward's multi-tenant app's service principal in the vault's tenant, which
//   is the one the policy names (keyVault.tenantId) or else the caller's own. A managed identity
//   works only when attached to the app and only in its own tenant, so keyward cannot make one per
//   policy, and its own identity (platform key, storage) is no customer's principal.
// - perPolicy (the embedded runtime only): a policy naming no tenant gets an identity of its own,
//   which the local issuer mints tokens for; one naming a tenant is reached as in Azure.
import { randomUUID } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import type { Settings } from "../settings";
import type { PolicyIdentity } from "../domain/policy";
import { crossTenantPrincipal } from "./crossTenantPrincipal";

/** The vault's tenant to record on a new policy: the named one, or in tenantApp mode the caller's; undefined for a per-policy identity. */
export function vaultTenantOf(named: string | undefined, callerTenant: string, settings: Pick<Settings, "policyPrincipals">): string | undefined {
  return named ?? (settings.policyPrincipals === "tenantApp" ? callerTenant : undefined);
}

/** The identity of a new policy whose vault is in `vaultTenant` (from vaultTenantOf). Refusals as crossTenantPrincipal's. */
export async function newPolicyIdentity(vaultTenant: string | undefined, callerTenant: string,
  settings: Pick<Settings, "policyPrincipals" | "crossTenantClientId" | "identityMode" | "authorityHost">,
  credential: (tenantId: string) => TokenCredential): Promise<PolicyIdentity> {
  if (!vaultTenant) return { type: "SystemAssigned", principalId: randomUUID(), clientId: randomUUID(), tenantId: callerTenant };
  const principal = await crossTenantPrincipal(vaultTenant, settings.crossTenantClientId, () => credential(vaultTenant), {
    perPolicyFallback: settings.policyPrincipals === "perPolicy",
    // The embedded runtime's authority is a loopback stand-in: its consent URL is public Entra's.
    ...(settings.identityMode === "local" ? {} : { loginHost: settings.authorityHost }),
  });
  return { type: "SystemAssigned", ...principal, tenantId: vaultTenant };
}
