// PUT /api/enterprisePolicies/{name}: the key vault administrator creates an enterprise policy
// for one key. keyward returns the policy's principal (identity.principalId): the principal to
// grant "Key Vault Crypto Service Encryption User" on the key; who it is, per
// KEYWARD_POLICY_PRINCIPALS, is shared/keys/policyPrincipal.ts. Updating a policy that
// environments use is refused: change keys with a new policy, as the reference says.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { policyBody, policyNameField } from "../../shared/http/inputs";
import { policySchema } from "../../shared/http/schemas";
import { Roles } from "../../shared/domain/roles";
import { policyResource, type EnterprisePolicy } from "../../shared/domain/policy";
import { conflict, refused } from "../../shared/errors";
import { environmentsOnPolicy } from "../../shared/state/lookups";
import { changeUnusedPolicy } from "../../shared/operations/policyJoin";
import { newPolicyIdentity, vaultTenantOf } from "../../shared/keys/policyPrincipal";
import { crossTenantCredential } from "../../shared/keyvault";

registerRoute(
  { name: "putEnterprisePolicy", method: "PUT", route: "enterprisePolicies/{name}", roles: [Roles.KeysAdmin], audit: true,
    summary: "Create an enterprise policy for a Key Vault key (ARM template shape); returns the identity to grant on the key.",
    params: { name: policyNameField() }, body: { kind: "json", field: policyBody },
    responses: { 201: { description: "Created; grant identity.principalId on the key.", schema: policySchema }, 200: { description: "Updated (or unchanged).", schema: policySchema } } },
  async ({ params, body, caller, tenant: state, services }) => {
    const { name } = params;
    const named = body.properties.encryption.keyVault.tenantId;
    const vaultTenant = vaultTenantOf(named, caller.tenantId, services.settings);
    // keyward reaches a vault in another Entra tenant as its app's service principal there, which
    // that tenant's consent created and that tenant grants on its keys. Only that tenant's own
    // callers may name it: otherwise any customer could have keyward use another's keys for it.
    if (vaultTenant && vaultTenant.toLowerCase() !== caller.tenantId.toLowerCase()) {
      throw refused("VaultTenantNotCallers", `The vault's tenant (${vaultTenant}) is not yours (${caller.tenantId}). A policy may name only your own tenant's vaults; ` +
        "sign in to the tenant that holds the vault and create the policy there.", "properties.encryption.keyVault.tenantId");
    }
    const input = {
      location: body.location, keyVaultId: body.properties.encryption.keyVault.id, keyName: body.properties.encryption.keyVault.key.name,
      ...(vaultTenant ? { keyVaultTenantId: vaultTenant } : {}),
    };
    const existing = await state.getPolicy(name);
    if (existing && (existing.keyVaultTenantId ?? "") !== (vaultTenant ?? "")) {
      throw conflict("PolicyTenantChange", `Enterprise policy '${name}' has its vault in ${existing.keyVaultTenantId ? `tenant ${existing.keyVaultTenantId}` : "keyward's tenant"}; its principal depends on that, so it can't change. Create a new policy for the other tenant's vault.`, "properties.encryption.keyVault.tenantId");
    }
    const now = new Date().toISOString();
    const identity = existing ? existing.identity : await newPolicyIdentity(vaultTenant, caller.tenantId, services.settings, crossTenantCredential);
    const fresh: EnterprisePolicy = {
      tenantId: state.tenantId, name, ...input, identity,
      readers: [], createdAt: now, createdBy: caller.oid, updatedAt: now,
    };
    if (!existing && await state.createPolicy(fresh)) return json(201, policyResource(fresh));

    // A re-point of a policy no environment uses: the check and the write are one step with respect to an add.
    const updated = await changeUnusedPolicy(state, name, async () => {
      const using = await environmentsOnPolicy(state, name);
      if (using.length > 0) {
        throw conflict("PolicyInUse", `Enterprise policy '${name}' is used by ${using.length} environment(s) (${using.slice(0, 5).map((e) => e.id).join(", ")}); ` +
          "its key and location can't change. To change the key, create a new policy and move the environments to it (changePolicy).", "name");
      }
    }, (current) => {
      const same = current.location === input.location && current.keyVaultId.toLowerCase() === input.keyVaultId.toLowerCase() && current.keyName === input.keyName;
      return same ? undefined : { ...current, ...input, updatedAt: now };
    });
    return json(200, policyResource(updated ?? fresh));
  },
);
