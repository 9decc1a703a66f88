// The app-style settings through which `npm start` and the stack make the local vault harsh:
// what each accepts, and that a wrong value fails naming the setting instead of being ignored.
import { describe, expect, it } from "vitest";
import { localVaultBehaviourFromSettings, mergeBehaviourPatches } from "../../local/keyVaultSettings";

describe("local vault behaviour settings", () => {
  it("reads the propagation delay, throttling and Retry-After, and nothing that is not set", () => {
    expect(localVaultBehaviourFromSettings({})).toEqual({});
    expect(localVaultBehaviourFromSettings({
      KEYWARD_LOCAL_ROLE_PROPAGATION_SECONDS: "7.5", KEYWARD_LOCAL_VAULT_THROTTLING: "true", KEYWARD_LOCAL_VAULT_RETRY_AFTER: "seconds",
    })).toEqual({ rolePropagationSeconds: 7.5, throttling: { enabled: true, retryAfter: "seconds" } });
    expect(localVaultBehaviourFromSettings({ KEYWARD_LOCAL_ROLE_PROPAGATION_SECONDS: " ", KEYWARD_LOCAL_VAULT_THROTTLING: "false" }))
      .toEqual({ throttling: { enabled: false } });
  });

  it("refuses values it cannot use, naming the setting and what it takes", () => {
    expect(() => localVaultBehaviourFromSettings({ KEYWARD_LOCAL_ROLE_PROPAGATION_SECONDS: "five" }))
      .toThrow('KEYWARD_LOCAL_ROLE_PROPAGATION_SECONDS must be a number of seconds from 0 to 600, not "five".');
    expect(() => localVaultBehaviourFromSettings({ KEYWARD_LOCAL_ROLE_PROPAGATION_SECONDS: "601" })).toThrow(/from 0 to 600/);
    expect(() => localVaultBehaviourFromSettings({ KEYWARD_LOCAL_VAULT_THROTTLING: "yes" }))
      .toThrow('KEYWARD_LOCAL_VAULT_THROTTLING must be "true" or "false", not "yes".');
    expect(() => localVaultBehaviourFromSettings({ KEYWARD_LOCAL_VAULT_RETRY_AFTER: "60" }))
      .toThrow('KEYWARD_LOCAL_VAULT_RETRY_AFTER must be "none" or "seconds", not "60".');
  });

  it("settings win over the stack's defaults, field by field", () => {
    const defaults = { rolePropagationSeconds: 5, throttling: { enabled: true, windowSeconds: 10 } };
    expect(mergeBehaviourPatches(defaults, localVaultBehaviourFromSettings({ KEYWARD_LOCAL_ROLE_PROPAGATION_SECONDS: "0", KEYWARD_LOCAL_VAULT_RETRY_AFTER: "seconds" })))
      .toEqual({ rolePropagationSeconds: 0, throttling: { enabled: true, windowSeconds: 10, retryAfter: "seconds" } });
    expect(mergeBehaviourPatches(defaults, {})).toEqual(defaults);
  });
});
