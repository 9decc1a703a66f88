// KEYWARD_POLICY_PRINCIPALS: who a policy's principal is. With managed identities (Azure) only
// keyward's multi-tenant app in the vault's tenant can be reached, so the per-policy identities of
// the embedded runtime are refused there at start-up, with what to do; locally they stay the default.
import { describe, expect, it } from "vitest";
import { readSettings } from "../../shared/settings";

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
