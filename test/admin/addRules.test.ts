// The rules for adding an environment to an enterprise policy (the reference's, see
// shared/operations/admission.ts), through the HTTP API: one test per rule, each asserting the
// refusal's status and code and that keyward's stored state (policies, environments, their
// history, licences) is exactly as it was.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { addAndWait, newOid, policyBody, policyWith, refusedWithoutChange, snapshot, type PolicySetup } from "./support";

let kw: Keyward;
/** A compliant policy in europe shared by the environment-side rules. */
let good: PolicySetup;

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" });
  good = await policyWith(kw);
});
afterAll(async () => kw?.stop());

const add = (policy: string, env: string) => kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env] });

describe("Reader on the policy", () => {
  it("a platform admin without Reader lists policies but cannot add (403 PolicyReaderRequired); after the grant it can", async () => {
    const oid = newOid();
    const other = (method: string, route: string, body?: unknown) => kw.call(method, route, { as: { oid, roles: ["Platform.Admin"] }, body });
    const env = await kw.environment();

    const listed = await other("GET", "enterprisePolicies");
    expect(listed.status).toBe(200);
    expect(listed.body.value.map((p: { name: string }) => p.name)).toContain(good.policy);
    expect((await other("GET", `enterprisePolicies/${good.policy}`)).status).toBe(200);

    await refusedWithoutChange(() => other("POST", `enterprisePolicies/${good.policy}/environments`, { environmentIds: [env] }), 403, "PolicyReaderRequired");

    expect((await kw.keysAdmin("PUT", `enterprisePolicies/${good.policy}/readers/${oid}`)).status).toBe(200);
    const done = await addAndWait(kw, good.policy, env, other);
    expect(done.encryption).toMatchObject({ keyType: "CustomerManaged", policy: good.policy, status: "Encrypted" });
  });
});

describe("environment rules", () => {
  it("refuses an environment that is not a Managed Environment (409 ManagedEnvironmentRequired)", async () => {
    const env = await kw.environment({ managed: false });
    await refusedWithoutChange(() => add(good.policy, env), 409, "ManagedEnvironmentRequired");
  });

  it.each(["Trial", "Teams"])("refuses a %s environment (409 EnvironmentTypeNotSupported)", async (type) => {
    const env = await kw.environment({ type, managed: true });
    await refusedWithoutChange(() => add(good.policy, env), 409, "EnvironmentTypeNotSupported");
  });

  it("refuses an environment in another region than the policy (409 RegionMismatch)", async () => {
    const env = await kw.environment({ region: "uk" });
    await refusedWithoutChange(() => add(good.policy, env), 409, "RegionMismatch");
  });

  it("refuses a whole request when one of its environments breaks a rule, starting none", async () => {
    const fine = await kw.environment();
    const unmanaged = await kw.environment({ managed: false });
    await refusedWithoutChange(() => kw.platformAdmin("POST", `enterprisePolicies/${good.policy}/environments`, { environmentIds: [fine, unmanaged] }),
      409, "ManagedEnvironmentRequired");
  });
});

describe("key rules, checked live as the policy's identity", () => {
  it("refuses when the policy's identity has no role on the key (409 KeyNotAccessible)", async () => {
    const p = await policyWith(kw);
    await kw.revokeAssignment(p.assignmentId);
    const env = await kw.environment();
    await refusedWithoutChange(() => add(p.policy, env), 409, "KeyNotAccessible");
  });

  it("refuses a disabled key (409 KeyDisabled)", async () => {
    const p = await policyWith(kw);
    await kw.keyClient(p.vaultName).updateKeyProperties(p.keyName, { enabled: false });
    const env = await kw.environment();
    await refusedWithoutChange(() => add(p.policy, env), 409, "KeyDisabled");
  });

  it("refuses an expired key (409 KeyExpired)", async () => {
    const p = await policyWith(kw);
    await kw.keyClient(p.vaultName).updateKeyProperties(p.keyName, { expiresOn: new Date(Date.now() - 3600_000) });
    const env = await kw.environment();
    await refusedWithoutChange(() => add(p.policy, env), 409, "KeyExpired");
  });

  it("refuses a 4096-bit RSA key (409 KeySizeNotSupported)", async () => {
    const p = await policyWith(kw, { keySize: 4096 });
    const env = await kw.environment();
    await refusedWithoutChange(() => add(p.policy, env), 409, "KeySizeNotSupported");
  });

  it("refuses an EC key (409 KeyTypeNotSupported)", async () => {
    const p = await policyWith(kw);
    // The key vault admin points the (unused) policy at an EC key of the same vault.
    await kw.keyClient(p.vaultName).createEcKey("ec-key", { curve: "P-256" });
    const repointed = await kw.keysAdmin("PUT", `enterprisePolicies/${p.policy}`, policyBody(p.vaultId, "ec-key"));
    expect(repointed.status, JSON.stringify(repointed.body)).toBe(200);
    const env = await kw.environment();
    await refusedWithoutChange(() => add(p.policy, env), 409, "KeyTypeNotSupported");
  });

  it("refuses a key that does not permit wrapKey and unwrapKey (409 KeyOperationsMissing)", async () => {
    const p = await policyWith(kw, { keyOps: ["encrypt", "decrypt"] });
    const env = await kw.environment();
    await refusedWithoutChange(() => add(p.policy, env), 409, "KeyOperationsMissing");
  });

  it("refuses a key in a vault without purge protection (409 PurgeProtectionRequired)", async () => {
    const p = await policyWith(kw, { softDelete: true, purgeProtection: false });
    const env = await kw.environment();
    await refusedWithoutChange(() => add(p.policy, env), 409, "PurgeProtectionRequired");
  });

  it("refuses a key in a vault without soft delete (409 SoftDeleteRequired)", async () => {
    const p = await policyWith(kw, { softDelete: false, purgeProtection: false });
    const env = await kw.environment();
    await refusedWithoutChange(() => add(p.policy, env), 409, "SoftDeleteRequired");
  });
});

describe("licensing", () => {
  it("refuses without a subscription that entitles the tenant to CMK (403 LicenseRequired)", async () => {
    const env = await kw.environment();
    const put = await kw.platformAdmin("PUT", "tenant/licenses", { subscriptions: ["Microsoft 365 E3", "Office 365 E1"] });
    expect(put.body.entitledToCustomerManagedKey).toBe(false);
    try {
      await refusedWithoutChange(() => add(good.policy, env), 403, "LicenseRequired");
    } finally {
      await kw.platformAdmin("PUT", "tenant/licenses", { subscriptions: ["Microsoft 365 E5"] });
    }
    expect((await snapshot()).licenses).toMatchObject({ subscriptions: ["Microsoft 365 E5"] });
  });
});
