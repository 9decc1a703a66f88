// A customer's vault in another Entra tenant, reached as Azure's cross-tenant customer-managed-key
// pattern has it: keyward's multi-tenant app (a federated identity credential trusting keyward's
// identity), a ClientAssertionCredential into the vault's tenant against the local issuer's HTTPS
// authority, the app's service principal there (after the tenant's consent) granted on the key.
// The vault takes its own tenant's tokens only (AKV10032, as Azure). Such a policy wraps, unwraps
// and locks on revocation like any other.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyClient } from "@azure/keyvault-keys";
import { Keyward, KEYS_ADMIN, CUSTOMER_KEY_OFFICER } from "../support/keyward";
import { LOCAL_TENANT_ID } from "../../local/issuer";
import { LOCAL_CROSS_TENANT_CLIENT_ID, VAULT_AUDIENCE } from "../../local/stack";
import { SECOND_LOCAL_TENANT_ID, SECOND_TENANT_PRINCIPALS, type LocalRole } from "../../local/localPrincipals";
import { localVaultAgent } from "../../local/keyvault";
import { enterprisePolicyBody } from "../../local/embeddedApi";
import { uniquePrefix } from "../support/storage";
import { main, type CliIo } from "../../cli/main";

const T2 = SECOND_LOCAL_TENANT_ID;
let kw: Keyward;

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" });
});
afterAll(async () => kw?.stop());

/** A KeyClient as `oid` of tenant `tid` (the customer's key officer in their own tenant). */
function keyClient(vault: string, oid: string, tid: string): KeyClient {
  const credential = { getToken: async () => ({ token: await kw.stack.issuer.sign({ oid, tid, audience: VAULT_AUDIENCE }), expiresOnTimestamp: Date.now() + 3_000_000 }) };
  return new KeyClient(kw.stack.vault.vaultUrl(vault), credential, { agent: localVaultAgent({ caCertPem: kw.stack.vault.caCertPem }) } as ConstructorParameters<typeof KeyClient>[2]);
}

const keysAdmin = (method: string, route: string, body?: unknown) => kw.keysAdmin(method, route, body);
/** The customer: tenant T2's callers, whose vault is in their own tenant, not in keyward's. */
const asT2 = (role: LocalRole) => ({ oid: SECOND_TENANT_PRINCIPALS[role], roles: [role], tenantId: T2 });
const t2 = (role: LocalRole, method: string, route: string, body?: unknown) => kw.api.call(method, route, { as: asT2(role), body });

describe("a policy whose vault is in another tenant", () => {
  it("needs the tenant's consent, then wraps, unwraps and locks on revocation as its app's service principal there", async () => {
    const vault = `xt${uniquePrefix("").slice(0, 12)}`;
    const info = await kw.management.putVault(vault, { softDelete: true, purgeProtection: true, retentionDays: 90, tenantId: T2 });
    expect(info.properties.tenantId).toBe(T2);
    await kw.management.putRoleAssignment(`officer-${vault}`, { principalId: CUSTOMER_KEY_OFFICER, roleDefinitionName: "Key Vault Crypto Officer", scope: info.id });

    // The vault refuses a token of keyward's own tenant, whoever it names.
    await expect(keyClient(vault, CUSTOMER_KEY_OFFICER, LOCAL_TENANT_ID).createRsaKey("cmk", { keySize: 2048 }))
      .rejects.toThrow(/AKV10032/);
    await keyClient(vault, CUSTOMER_KEY_OFFICER, T2).createRsaKey("cmk", { keySize: 2048, keyOps: ["wrapKey", "unwrapKey"] });

    const policy = uniquePrefix("xtpolicy");
    const body = enterprisePolicyBody(info.id, "cmk") as { properties: { encryption: { keyVault: Record<string, unknown> } } };
    body.properties.encryption.keyVault.tenantId = T2;

    // Before the tenant consents to keyward's app: refused, saying what to do, and nothing created.
    const early = await t2("Keys.Admin", "PUT", `enterprisePolicies/${policy}`, body);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe("CrossTenantConsentRequired");
    expect(early.body.error.message).toContain(`https://login.microsoftonline.com/${T2}/adminconsent?client_id=${LOCAL_CROSS_TENANT_CLIENT_ID}`);
    expect((await t2("Keys.Admin", "GET", `enterprisePolicies/${policy}`)).status).toBe(404);

    const servicePrincipal = kw.stack.issuer.directory.consent(T2, LOCAL_CROSS_TENANT_CLIENT_ID);
    // Another tenant may not name T2's vault tenant: keyward would reach T2's keys for it as T2's service principal.
    const deputy = await keysAdmin("PUT", `enterprisePolicies/${policy}`, body);
    expect(deputy.status).toBe(403);
    expect(deputy.body.error.code).toBe("VaultTenantNotCallers");
    expect((await keysAdmin("GET", `enterprisePolicies/${policy}`)).status).toBe(404);

    const created = await t2("Keys.Admin", "PUT", `enterprisePolicies/${policy}`, body);
    expect(created.status).toBe(201);
    expect(created.body.identity).toMatchObject({ principalId: servicePrincipal, tenantId: T2 });
    expect(created.body.properties.encryption.keyVault.tenantId).toBe(T2);

    await kw.management.putRoleAssignment(`policy-${policy}`, { principalId: servicePrincipal, roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: info.id });
    expect((await t2("Keys.Admin", "PUT", `enterprisePolicies/${policy}/readers/${SECOND_TENANT_PRINCIPALS["Platform.Admin"]}`)).status).toBe(200);
    expect((await t2("Platform.Admin", "PUT", "tenant/licenses", { subscriptions: ["Microsoft 365 E5"] })).status).toBe(200);

    const env = await kw.api.environment(asT2("Platform.Admin"), uniquePrefix("xtenv"), { members: [{ objectId: SECOND_TENANT_PRINCIPALS["Environment.User"], access: "ReadWrite" }] });
    for (let i = 0; i < 20; i++) expect((await t2("Environment.User", "PUT", `environments/${env}/records/t/r${i}`, { i })).status).toBeLessThan(300);
    const since = (await kw.management.requests()).lastSeq;
    const add = await t2("Platform.Admin", "POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env] });
    expect(add.status).toBe(202);
    const envOf = async () => (await t2("Platform.Admin", "GET", `environments/${env}`)).body;
    const done = await kw.until("Encrypted", envOf, (e) => ["Encrypted", "Failed", "Warning"].includes(e.encryption.status), 120_000);
    expect(done.encryption.status).toBe("Encrypted");
    for (let i = 0; i < 20; i++) expect((await t2("Environment.User", "GET", `environments/${env}/records/t/r${i}`)).body.value).toEqual({ i });

    // The vault saw keyward only as the service principal of the second tenant.
    const calls = (await kw.management.requests(since)).value.filter((r) => r.vault === vault && ["wrapKey", "unwrapKey"].includes(r.operation));
    expect(calls.some((r) => r.operation === "wrapKey" && r.status === 200)).toBe(true);
    expect(calls.some((r) => r.operation === "unwrapKey" && r.status === 200)).toBe(true);
    expect(new Set(calls.map((r) => r.principal))).toEqual(new Set([servicePrincipal]));

    // Revocation in the customer's tenant locks the environment, as for any policy.
    await kw.revokeAssignment(`policy-${policy}`);
    await kw.stack.runtime.triggerTimer("keyHealthProbe");
    await kw.until("Locked", envOf, (e) => e.state === "Locked", 30_000);
    expect((await t2("Environment.User", "GET", `environments/${env}/records/t/r0`)).status).toBe(423);
  }, 240_000);

  it("in Azure's mode (KEYWARD_POLICY_PRINCIPALS=tenantApp), a policy naming no tenant has its vault in the caller's and is reached as the app's service principal there", async () => {
    const T3 = randomUUID();
    const principals = { "Keys.Admin": randomUUID(), "Platform.Admin": randomUUID(), "Environment.User": randomUUID() } as Record<LocalRole, string>;
    const t3 = (role: LocalRole, method: string, route: string, body?: unknown) => kw.api.call(method, route, { as: { oid: principals[role], roles: [role], tenantId: T3 }, body });
    process.env.KEYWARD_POLICY_PRINCIPALS = "tenantApp";
    try {
      const vault = `ta${uniquePrefix("").slice(0, 12)}`;
      const info = await kw.management.putVault(vault, { softDelete: true, purgeProtection: true, retentionDays: 90, tenantId: T3 });
      await kw.management.putRoleAssignment(`officer-${vault}`, { principalId: CUSTOMER_KEY_OFFICER, roleDefinitionName: "Key Vault Crypto Officer", scope: info.id });
      await keyClient(vault, CUSTOMER_KEY_OFFICER, T3).createRsaKey("cmk", { keySize: 2048, keyOps: ["wrapKey", "unwrapKey"] });
      const policy = uniquePrefix("tapolicy");
      const body = enterprisePolicyBody(info.id, "cmk"); // no keyVault.tenantId

      // No identity of its own is made up: before the tenant consents, refused, saying what to do.
      const early = await t3("Keys.Admin", "PUT", `enterprisePolicies/${policy}`, body);
      expect({ status: early.status, code: early.body.error.code }).toEqual({ status: 409, code: "CrossTenantConsentRequired" });
      expect(early.body.error.message).toContain(`adminconsent?client_id=${LOCAL_CROSS_TENANT_CLIENT_ID}`);
      expect((await t3("Keys.Admin", "GET", `enterprisePolicies/${policy}`)).status).toBe(404);

      const servicePrincipal = kw.stack.issuer.directory.consent(T3, LOCAL_CROSS_TENANT_CLIENT_ID);
      const created = await t3("Keys.Admin", "PUT", `enterprisePolicies/${policy}`, body);
      expect(created.status).toBe(201);
      expect(created.body.identity).toMatchObject({ principalId: servicePrincipal, tenantId: T3 });
      expect(created.body.properties.encryption.keyVault.tenantId).toBe(T3);
      // Again without a tenant: the same policy, unchanged (its tenant is the caller's, as recorded).
      expect((await t3("Keys.Admin", "PUT", `enterprisePolicies/${policy}`, body)).status).toBe(200);

      await kw.management.putRoleAssignment(`policy-${policy}`, { principalId: servicePrincipal, roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: info.id });
      expect((await t3("Keys.Admin", "PUT", `enterprisePolicies/${policy}/readers/${principals["Platform.Admin"]}`)).status).toBe(200);
      expect((await t3("Platform.Admin", "PUT", "tenant/licenses", { subscriptions: ["Microsoft 365 E5"] })).status).toBe(200);
      const env = await kw.api.environment({ oid: principals["Platform.Admin"], roles: ["Platform.Admin"], tenantId: T3 }, uniquePrefix("taenv"),
        { members: [{ objectId: principals["Environment.User"], access: "ReadWrite" }] });
      for (let i = 0; i < 3; i++) expect((await t3("Environment.User", "PUT", `environments/${env}/records/t/r${i}`, { i })).status).toBeLessThan(300);
      const since = (await kw.management.requests()).lastSeq;
      expect((await t3("Platform.Admin", "POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env] })).status).toBe(202);
      const done = await kw.until("Encrypted", async () => (await t3("Platform.Admin", "GET", `environments/${env}`)).body,
        (e) => ["Encrypted", "Failed", "Warning"].includes(e.encryption.status), 120_000);
      expect(done.encryption.status).toBe("Encrypted");
      for (let i = 0; i < 3; i++) expect((await t3("Environment.User", "GET", `environments/${env}/records/t/r${i}`)).body.value).toEqual({ i });
      const calls = (await kw.management.requests(since)).value.filter((r) => r.vault === vault && ["wrapKey", "unwrapKey"].includes(r.operation));
      expect(calls.some((r) => r.operation === "wrapKey" && r.status === 200)).toBe(true);
      expect(new Set(calls.map((r) => r.principal))).toEqual(new Set([servicePrincipal]));

      // Without keyward's multi-tenant app, such a policy is refused, and not with the local-only way out.
      const { KEYWARD_CROSS_TENANT_CLIENT_ID: clientId } = process.env;
      delete process.env.KEYWARD_CROSS_TENANT_CLIENT_ID;
      try {
        const other = uniquePrefix("tanone");
        const res = await t3("Keys.Admin", "PUT", `enterprisePolicies/${other}`, body);
        expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 409, code: "CrossTenantNotConfigured" });
        expect(res.body.error.message).toContain("KEYWARD_CROSS_TENANT_CLIENT_ID");
        expect(res.body.error.message).not.toContain("no tenantId");
        expect((await t3("Keys.Admin", "GET", `enterprisePolicies/${other}`)).status).toBe(404);
      } finally {
        process.env.KEYWARD_CROSS_TENANT_CLIENT_ID = clientId;
      }
    } finally {
      delete process.env.KEYWARD_POLICY_PRINCIPALS;
    }
  }, 240_000);

  it("refuses a policy naming another tenant's vault when keyward has no multi-tenant app configured", async () => {
    const { KEYWARD_CROSS_TENANT_CLIENT_ID: clientId } = process.env;
    delete process.env.KEYWARD_CROSS_TENANT_CLIENT_ID;
    try {
      const body = enterprisePolicyBody("/subscriptions/00000000-0000-4000-8000-00000000c0de/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/elsewhere", "cmk") as { properties: { encryption: { keyVault: Record<string, unknown> } } };
      body.properties.encryption.keyVault.tenantId = T2;
      const policy = uniquePrefix("xtnone");
      const res = await t2("Keys.Admin", "PUT", `enterprisePolicies/${policy}`, body);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe("CrossTenantNotConfigured");
      expect(res.body.error.message).toContain("KEYWARD_CROSS_TENANT_CLIENT_ID");
      expect((await t2("Keys.Admin", "GET", `enterprisePolicies/${policy}`)).status).toBe(404);
    } finally {
      process.env.KEYWARD_CROSS_TENANT_CLIENT_ID = clientId;
    }
  });

  it("is created by the CLI with --vault-tenant, which prints the service principal to grant", async () => {
    const unconsented = "7e7e7e7e-0000-4000-8000-000000000003";
    // A Keys.Admin of that tenant: a policy's vault is in its own caller's tenant.
    const token = await kw.stack.token(KEYS_ADMIN, ["Keys.Admin"], undefined, unconsented);
    const run = async (argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = { stdout: (t) => out.push(`${t}\n`), stderr: { write: (t) => err.push(t), isTTY: false, columns: 160 }, env: { KEYWARD_API: kw.stack.apiBaseUrl, KEYWARD_TOKEN: token }, pollMs: 50 };
      return { code: await main(argv, io), stdout: out.join(""), stderr: err.join("") };
    };
    const vaultId = "/subscriptions/00000000-0000-4000-8000-00000000c0de/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/cliothertenant";
    const refused = await run(["policies", "create", uniquePrefix("xtcli"), "--vault-id", vaultId, "--key", "cmk", "--vault-tenant", unconsented]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("CrossTenantConsentRequired");
    const servicePrincipal = kw.stack.issuer.directory.consent(unconsented, LOCAL_CROSS_TENANT_CLIENT_ID);
    const created = await run(["policies", "create", uniquePrefix("xtcli"), "--vault-id", vaultId, "--key", "cmk", "--vault-tenant", unconsented]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(servicePrincipal);
  });
});
