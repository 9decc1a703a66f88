// KEYWARD_POLICY_PRINCIPALS: who a policy's principal is. With managed identities (Azure) only
// keyward's multi-tenant app in the vault's tenant can be reached, so the per-policy identities of
// the embedded runtime are refused there at start-up, with what to do; locally they stay the default.
// (The token exchange itself runs for real in test/e2e/crossTenant.test.ts; here the credential is
// a stand-in answering as Entra does, to check what keyward makes of each answer.)
import { describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import { readSettings } from "../../shared/settings";
import { newPolicyIdentity, vaultTenantOf } from "../../shared/keys/policyPrincipal";
import { KeywardError } from "../../shared/errors";

describe("KEYWARD_POLICY_PRINCIPALS", () => {
  it("defaults to tenantApp with managed identities and to perPolicy in local identity mode", () => {
    expect(readSettings({}).policyPrincipals).toBe("tenantApp");
    expect(readSettings({ KEYWARD_IDENTITY_MODE: "managedIdentity" }).policyPrincipals).toBe("tenantApp");
    expect(readSettings({ KEYWARD_IDENTITY_MODE: "local" }).policyPrincipals).toBe("perPolicy");
    expect(readSettings({ KEYWARD_IDENTITY_MODE: "local", KEYWARD_POLICY_PRINCIPALS: "tenantApp" }).policyPrincipals).toBe("tenantApp");
  });

  it("refuses perPolicy with managed identities, saying why and what to do, and any other value", () => {
    expect(() => readSettings({ KEYWARD_POLICY_PRINCIPALS: "perPolicy" })).toThrow(/needs KEYWARD_IDENTITY_MODE=local.*Remove the setting/);
    expect(() => readSettings({ KEYWARD_IDENTITY_MODE: "local", KEYWARD_POLICY_PRINCIPALS: "shared" })).toThrow(/must be "tenantApp" or "perPolicy"/);
  });
});

describe("a new policy's principal", () => {
  const caller = randomUUID();
  const named = randomUUID();
  const azure = { policyPrincipals: "tenantApp" as const, crossTenantClientId: "c7055e11-0000-4000-8000-00000000a991", identityMode: "managedIdentity" as const, authorityHost: "https://login.microsoftonline.us" };

  it("is in the named tenant, else on Azure the caller's, else (locally) a per-policy identity", () => {
    expect(vaultTenantOf(named, caller, { policyPrincipals: "tenantApp" })).toBe(named);
    expect(vaultTenantOf(undefined, caller, { policyPrincipals: "tenantApp" })).toBe(caller);
    expect(vaultTenantOf(named, caller, { policyPrincipals: "perPolicy" })).toBe(named);
    expect(vaultTenantOf(undefined, caller, { policyPrincipals: "perPolicy" })).toBeUndefined();
  });

  it("on Azure is the app's service principal in the vault's tenant, read from the token's oid", async () => {
    const oid = randomUUID();
    const asked: string[] = [];
    const token = `e30.${Buffer.from(JSON.stringify({ oid, tid: caller })).toString("base64url")}.sig`;
    const credential = (tenantId: string): TokenCredential => ({ getToken: async () => { asked.push(tenantId); return { token, expiresOnTimestamp: Date.now() + 60_000 }; } });
    expect(await newPolicyIdentity(caller, caller, azure, credential)).toEqual({ type: "SystemAssigned", principalId: oid, clientId: azure.crossTenantClientId, tenantId: caller });
    expect(asked).toEqual([caller]);
  });

  it("before the tenant's consent, is refused with the consent URL of the deployment's cloud", async () => {
    const credential = (): TokenCredential => ({ getToken: async () => { throw new Error("AADSTS700016: Application with identifier 'x' was not found in the directory"); } });
    const err = await newPolicyIdentity(caller, caller, azure, credential).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(KeywardError);
    expect((err as KeywardError).code).toBe("CrossTenantConsentRequired");
    expect((err as KeywardError).message).toContain(`https://login.microsoftonline.us/${caller}/adminconsent?client_id=${azure.crossTenantClientId}`);
    const local = await newPolicyIdentity(caller, caller, { ...azure, identityMode: "local", authorityHost: "https://127.0.0.1:1" }, credential).then(() => undefined, (e: unknown) => e);
    expect((local as KeywardError).message).toContain(`https://login.microsoftonline.com/${caller}/adminconsent`);
  });
});
