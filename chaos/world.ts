// What a campaign sets up before it breaks anything: per tenant, customer vaults with one RSA key
// each and a policy on each (granted on the key, Reader for the tenant's platform admin), the
// tenant's licence, and Managed environments with the tenant's data user as a ReadWrite member.
// Everything the fault injector and the final checks need to find again is kept here.
import { LOCAL_TENANT_ID } from "../local/issuer";
import { LOCAL_PRINCIPALS, SECOND_LOCAL_TENANT_ID, SECOND_TENANT_PRINCIPALS, type LocalRole } from "../local/localPrincipals";
import { Api, KEY_OFFICER, mintToken, type Tenant } from "./api";
import type { KeywardProcess } from "./processes";

export interface Policy {
  tenant: Tenant;
  name: string;
  vaultName: string;
  vaultId: string;
  keyName: string;
  principalId: string;
  /** The id of its role assignment on the vault (deleted to revoke, written again to restore). */
  assignmentId: string;
}

export interface Environment {
  tenant: Tenant;
  name: string;
}

export interface World {
  tenants: Tenant[];
  policies: Policy[];
  environments: Environment[];
}

export const ROLES: LocalRole[] = ["Keys.Admin", "Platform.Admin", "Environment.User"];

async function tenantOf(kw: KeywardProcess, name: string, tid: string, principals: Record<LocalRole, string>): Promise<Tenant> {
  const tokens = {} as Record<LocalRole, string>;
  for (const role of ROLES) tokens[role] = await mintToken(kw.local.tokenEndpoint, { oid: principals[role], roles: [role], tid, audience: kw.local.audience });
  return { name, tid, principals, tokens };
}

function must(what: string, answer: { status: number; body: unknown }, ok: number[]): void {
  if (!ok.includes(answer.status)) throw new Error(`setup: ${what} answered ${answer.status} ${JSON.stringify(answer.body)}`);
}

export async function buildWorld(kw: KeywardProcess, api: Api, shape: { policiesPerTenant: number; environmentsPerTenant: number; runId: string }): Promise<World> {
  const tenants = [
    await tenantOf(kw, "contoso", LOCAL_TENANT_ID, LOCAL_PRINCIPALS),
    await tenantOf(kw, "fabrikam", SECOND_LOCAL_TENANT_ID, SECOND_TENANT_PRINCIPALS),
  ];
  const management = api.management();
  const policies: Policy[] = [];
  const environments: Environment[] = [];
  for (const [t, tenant] of tenants.entries()) {
    must("licence", await api.call(tenant, "Platform.Admin", "PUT", "tenant/licenses", { subscriptions: ["Microsoft 365 E5"] }), [200]);
    for (let p = 0; p < shape.policiesPerTenant; p++) {
      const name = `chaos-${tenant.name}-p${p}`;
      const vaultName = `ch${shape.runId}t${t}p${p}`;
      const vault = await management.putVault(vaultName, { softDelete: true, purgeProtection: true, retentionDays: 90 });
      await management.putRoleAssignment(`officer-${vaultName}`, { principalId: KEY_OFFICER, roleDefinitionName: "Key Vault Crypto Officer", scope: vault.id });
      await management.waitForRolePropagation(`officer-${vaultName}`);
      await api.keyClient(vaultName).createRsaKey("cmk", { keySize: 2048, keyOps: ["wrapKey", "unwrapKey"] });
      const created = await api.call(tenant, "Keys.Admin", "PUT", `enterprisePolicies/${name}`, {
        location: "europe", kind: "Encryption", identity: { type: "SystemAssigned" },
        properties: { encryption: { state: "Enabled", keyVault: { id: vault.id, key: { name: "cmk" } } } },
      });
      must(`policy ${name}`, created, [201]);
      const assignmentId = `policy-${name}`;
      await management.putRoleAssignment(assignmentId, { principalId: created.body.identity.principalId, roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: vault.id });
      await management.waitForRolePropagation(assignmentId);
      must("reader grant", await api.call(tenant, "Keys.Admin", "PUT", `enterprisePolicies/${name}/readers/${tenant.principals["Platform.Admin"]}`), [200, 201]);
      policies.push({ tenant, name, vaultName, vaultId: vault.id, keyName: "cmk", principalId: created.body.identity.principalId, assignmentId });
    }
    for (let e = 0; e < shape.environmentsPerTenant; e++) {
      const name = `chaos-${tenant.name}-e${e}`;
      must(`environment ${name}`, await api.call(tenant, "Platform.Admin", "PUT", `environments/${name}`, { displayName: name, region: "europe", type: e % 2 ? "Sandbox" : "Production", managed: true }), [201]);
      must("member", await api.call(tenant, "Platform.Admin", "PUT", `environments/${name}/members/${tenant.principals["Environment.User"]}`, { access: "ReadWrite" }), [200, 201]);
      environments.push({ tenant, name });
    }
  }
  return { tenants, policies, environments };
}
