// A customer's vault in another Entra tenant, reached as Azure's cross-tenant customer-managed-key
// pattern has it: keyward's multi-tenant app (a federated identity credential trusting keyward's
// identity), a ClientAssertionCredential into the vault's tenant against the local issuer's HTTPS
// authority, the app's service principal there (after the tenant's consent) granted on the key.
// The vault takes its own tenant's tokens only (AKV10032, as Azure). Such a policy wraps, unwraps
// and locks on revocation like any other.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyClient } from "@azure/keyvault-keys";
import { Keyward, KEYS_ADMIN, PLATFORM_ADMIN, CUSTOMER_KEY_OFFICER } from "../support/keyward";
import { LOCAL_TENANT_ID } from "../../local/issuer";
import { LOCAL_CROSS_TENANT_CLIENT_ID, VAULT_AUDIENCE } from "../../local/stack";
import { SECOND_LOCAL_TENANT_ID } from "../../local/localPrincipals";
import { localVaultAgent } from "../../local/keyvault";
import { enterprisePolicyBody } from "../../local/embeddedApi";
import { uniquePrefix } from "../support/storage";
import { getEnvironment, dataStatus } from "../support/environments";
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
    const early = await keysAdmin("PUT", `enterprisePolicies/${policy}`, body);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe("CrossTenantConsentRequired");
    expect(early.body.error.message).toContain(`https://login.microsoftonline.com/${T2}/adminconsent?client_id=${LOCAL_CROSS_TENANT_CLIENT_ID}`);
    expect((await keysAdmin("GET", `enterprisePolicies/${policy}`)).status).toBe(404);

    const servicePrincipal = kw.stack.issuer.directory.consent(T2, LOCAL_CROSS_TENANT_CLIENT_ID);
    const created = await keysAdmin("PUT", `enterprisePolicies/${policy}`, body);
    expect(created.status).toBe(201);
    expect(created.body.identity).toMatchObject({ principalId: servicePrincipal, tenantId: T2 });
    expect(created.body.properties.encryption.keyVault.tenantId).toBe(T2);

    await kw.management.putRoleAssignment(`policy-${policy}`, { principalId: servicePrincipal, roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: info.id });
    expect((await keysAdmin("PUT", `enterprisePolicies/${policy}/readers/${PLATFORM_ADMIN}`)).status).toBe(200);
    expect((await kw.platformAdmin("PUT", "tenant/licenses", { subscriptions: ["Microsoft 365 E5"] })).status).toBe(200);

    const env = await kw.environment();
    for (let i = 0; i < 20; i++) expect((await kw.user("PUT", `environments/${env}/records/t/r${i}`, { i })).status).toBeLessThan(300);
    const since = (await kw.management.requests()).lastSeq;
    const add = await kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env] });
    expect(add.status).toBe(202);
    const done = await kw.until("Encrypted", () => getEnvironment(kw, env), (e) => ["Encrypted", "Failed", "Warning"].includes(e.encryption.status), 120_000);
    expect(done.encryption.status).toBe("Encrypted");
    for (let i = 0; i < 20; i++) expect((await kw.user("GET", `environments/${env}/records/t/r${i}`)).body.value).toEqual({ i });

    // The vault saw keyward only as the service principal of the second tenant.
    const calls = (await kw.management.requests(since)).value.filter((r) => r.vault === vault && ["wrapKey", "unwrapKey"].includes(r.operation));
    expect(calls.some((r) => r.operation === "wrapKey" && r.status === 200)).toBe(true);
    expect(new Set(calls.map((r) => r.principal))).toEqual(new Set([servicePrincipal]));

    // Revocation in the customer's tenant locks the environment, as for any policy.
    await kw.revokeAssignment(`policy-${policy}`);
    await kw.stack.runtime.triggerTimer("keyHealthProbe");
    await kw.until("Locked", () => getEnvironment(kw, env), (e) => e.state === "Locked", 30_000);
    expect(await dataStatus(kw, env)).toBe(423);
  }, 240_000);

  it("refuses a policy naming another tenant's vault when keyward has no multi-tenant app configured", async () => {
    const { KEYWARD_CROSS_TENANT_CLIENT_ID: clientId } = process.env;
    delete process.env.KEYWARD_CROSS_TENANT_CLIENT_ID;
    try {
      const body = enterprisePolicyBody("/subscriptions/00000000-0000-4000-8000-00000000c0de/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/elsewhere", "cmk") as { properties: { encryption: { keyVault: Record<string, unknown> } } };
      body.properties.encryption.keyVault.tenantId = T2;
      const policy = uniquePrefix("xtnone");
      const res = await keysAdmin("PUT", `enterprisePolicies/${policy}`, body);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe("CrossTenantNotConfigured");
      expect(res.body.error.message).toContain("KEYWARD_CROSS_TENANT_CLIENT_ID");
      expect((await keysAdmin("GET", `enterprisePolicies/${policy}`)).status).toBe(404);
    } finally {
      process.env.KEYWARD_CROSS_TENANT_CLIENT_ID = clientId;
    }
  });

  it("is created by the CLI with --vault-tenant, which prints the service principal to grant", async () => {
    const token = await kw.token(KEYS_ADMIN, ["Keys.Admin"]);
    const run = async (argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = { stdout: (t) => out.push(`${t}\n`), stderr: { write: (t) => err.push(t), isTTY: false, columns: 160 }, env: { KEYWARD_API: kw.stack.apiBaseUrl, KEYWARD_TOKEN: token }, pollMs: 50 };
      return { code: await main(argv, io), stdout: out.join(""), stderr: err.join("") };
    };
    const vaultId = "/subscriptions/00000000-0000-4000-8000-00000000c0de/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/cliothertenant";
    const unconsented = "7e7e7e7e-0000-4000-8000-000000000003";
    const refused = await run(["policies", "create", uniquePrefix("xtcli"), "--vault-id", vaultId, "--key", "cmk", "--vault-tenant", unconsented]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("CrossTenantConsentRequired");
    const servicePrincipal = kw.stack.issuer.directory.consent(unconsented, LOCAL_CROSS_TENANT_CLIENT_ID);
    const created = await run(["policies", "create", uniquePrefix("xtcli"), "--vault-id", vaultId, "--key", "cmk", "--vault-tenant", unconsented]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(servicePrincipal);
  });
});
