// The enterprise policy rules through the HTTP API: the ARM body's checks (location, vault id,
// kind, identity, state), deletion refused while environments use the policy, Reader grant and
// revoke, and a wrong role refused on every admin route. Each refusal leaves stored state as is.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward, KEYS_ADMIN, PLATFORM_ADMIN, SUBSCRIPTION } from "../support/keyward";
import { uniquePrefix } from "../support/storage";
import { waitForOperation } from "../support/environments";
import { routeCatalog } from "../../shared/http/route";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { addAndWait, expectRefused, newOid, policyBody, policyWith, refusedWithoutChange, snapshot, type PolicySetup } from "./support";

let kw: Keyward;
let good: PolicySetup;
const VAULT_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/contoso-keys`;

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" });
  good = await policyWith(kw);
});
afterAll(async () => kw?.stop());

/** PUT a new policy, and the same body onto the existing policy: both refused, nothing stored. */
async function refusesBody(body: Record<string, unknown>, code: string) {
  const name = uniquePrefix("bad");
  await refusedWithoutChange(() => kw.keysAdmin("PUT", `enterprisePolicies/${name}`, body), 400, code);
  expect((await kw.keysAdmin("GET", `enterprisePolicies/${name}`)).status).toBe(404);
  await refusedWithoutChange(() => kw.keysAdmin("PUT", `enterprisePolicies/${good.policy}`, body), 400, code);
}

describe("the policy body (ARM template shape)", () => {
  it("accepts each of the 18 locations the reference lists", async () => {
    const locations = ["unitedstates", "southafrica", "uk", "japan", "india", "france", "europe", "germany", "switzerland",
      "canada", "brazil", "australia", "asia", "uae", "korea", "norway", "singapore", "sweden"];
    const names = await Promise.all(locations.map(async (location) => {
      const name = uniquePrefix(`loc${location}`);
      const res = await kw.keysAdmin("PUT", `enterprisePolicies/${name}`, policyBody(VAULT_ID, "cmk", { location }));
      expect(res.status, `${location}: ${JSON.stringify(res.body)}`).toBe(201);
      return name;
    }));
    for (const name of names) expect((await kw.keysAdmin("DELETE", `enterprisePolicies/${name}`)).status).toBe(204);
  });

  it("refuses a location outside the reference's 18 regions (400 InvalidLocation)", async () => {
    await refusesBody(policyBody(VAULT_ID, "cmk", { location: "westeurope" }), "InvalidLocation");
  });

  it("refuses a malformed vault ARM id (400 InvalidKeyVaultId)", async () => {
    for (const id of [
      "contoso-keys",
      `/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/contoso-keys`,
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/contoso`,
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/a--b`,
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/contoso-keys/keys/cmk`,
    ]) {
      await refusesBody(policyBody(id, "cmk"), "InvalidKeyVaultId");
    }
  });

  it("refuses a kind other than Encryption (400 InvalidKind)", async () => {
    await refusesBody(policyBody(VAULT_ID, "cmk", { kind: "Lockbox" }), "InvalidKind");
  });

  it("refuses an identity other than SystemAssigned (400 InvalidIdentityType)", async () => {
    await refusesBody(policyBody(VAULT_ID, "cmk", { identity: { type: "UserAssigned" } }), "InvalidIdentityType");
  });

  it("refuses an encryption state other than Enabled (400 InvalidEncryptionState)", async () => {
    const body = policyBody(VAULT_ID, "cmk");
    (body.properties as any).encryption.state = "Disabled";
    await refusesBody(body, "InvalidEncryptionState");
  });
});

describe("a policy in use", () => {
  it("refuses to delete a policy while an environment uses it (409 PolicyInUse), and deletes it once none does", async () => {
    const p = await policyWith(kw);
    const env = await kw.environment();
    await addAndWait(kw, p.policy, env);
    await refusedWithoutChange(() => kw.keysAdmin("DELETE", `enterprisePolicies/${p.policy}`), 409, "PolicyInUse");
    // Nor may its key or location change under the environment.
    await refusedWithoutChange(() => kw.keysAdmin("PUT", `enterprisePolicies/${p.policy}`, policyBody(p.vaultId, "another-key")), 409, "PolicyInUse");

    const remove = await kw.platformAdmin("DELETE", `enterprisePolicies/${p.policy}/environments/${env}`);
    expect(remove.status).toBe(202);
    // Wait for the operation's record (written after the environment's), so no later snapshot sees it move.
    const operationId = remove.body.operations[0].operationId as string;
    const op = await waitForOperation(kw, operationId, { timeoutMs: 60_000 });
    expect(op.status, JSON.stringify(op)).toBe("Succeeded");
    expect((await kw.platformAdmin("GET", `environments/${env}`)).body.encryption).toMatchObject({ status: "PlatformManaged", policy: null });
    expect((await kw.keysAdmin("DELETE", `enterprisePolicies/${p.policy}`)).status).toBe(204);
    expect((await kw.keysAdmin("GET", `enterprisePolicies/${p.policy}`)).status).toBe(404);
  });
});

describe("Reader on a policy", () => {
  it("grants and revokes Reader; refuses a malformed object id and an unknown reader without changing anything", async () => {
    const oid = newOid();
    const readers = async () => (await kw.keysAdmin("GET", `enterprisePolicies/${good.policy}`)).body.properties.readers as string[];
    expect(await readers()).toEqual([PLATFORM_ADMIN]);

    const granted = await kw.keysAdmin("PUT", `enterprisePolicies/${good.policy}/readers/${oid.toUpperCase()}`);
    expect(granted.status).toBe(200);
    expect(granted.body).toEqual({ policy: good.policy, objectId: oid, role: "Reader" });
    const again = await kw.keysAdmin("PUT", `enterprisePolicies/${good.policy}/readers/${oid}`);
    expect(again.status).toBe(200);
    expect(await readers()).toEqual([PLATFORM_ADMIN, oid]);

    await refusedWithoutChange(() => kw.keysAdmin("PUT", `enterprisePolicies/${good.policy}/readers/not-a-guid`), 400, "InvalidObjectId");
    await refusedWithoutChange(() => kw.keysAdmin("PUT", `enterprisePolicies/${uniquePrefix("none")}/readers/${oid}`), 404, "PolicyNotFound");
    await refusedWithoutChange(() => kw.keysAdmin("DELETE", `enterprisePolicies/${good.policy}/readers/${newOid()}`), 404, "ReaderNotFound");

    expect((await kw.keysAdmin("DELETE", `enterprisePolicies/${good.policy}/readers/${oid}`)).status).toBe(204);
    expect(await readers()).toEqual([PLATFORM_ADMIN]);
    await refusedWithoutChange(() => kw.keysAdmin("DELETE", `enterprisePolicies/${good.policy}/readers/${oid}`), 404, "ReaderNotFound");
  });

  it("a revoked reader can no longer add environments (403 PolicyReaderRequired)", async () => {
    const oid = newOid();
    expect((await kw.keysAdmin("PUT", `enterprisePolicies/${good.policy}/readers/${oid}`)).status).toBe(200);
    expect((await kw.keysAdmin("DELETE", `enterprisePolicies/${good.policy}/readers/${oid}`)).status).toBe(204);
    const env = await kw.environment();
    await refusedWithoutChange(() => kw.call("POST", `enterprisePolicies/${good.policy}/environments`,
      { as: { oid, roles: ["Platform.Admin"] }, body: { environmentIds: [env] } }), 403, "PolicyReaderRequired");
  });
});

describe("roles", () => {
  it("refuses a caller without an allowed role on every admin route (403 AuthorizationFailed), changing nothing", async () => {
    const admin = routeCatalog.filter((r) => r.roles.some((role) => ADMIN_ROLES.includes(role)));
    expect(admin.length).toBeGreaterThanOrEqual(20);
    const env = await kw.environment({ managed: false });
    const before = await snapshot();
    const params: Record<string, string> = { name: good.policy, id: env, environmentId: env, objectId: PLATFORM_ADMIN, operationId: "op-1" };
    const bodies: Record<string, unknown> = {
      putEnterprisePolicy: policyBody(good.vaultId, "other"), putEnvironment: { displayName: "x", region: "uk", type: "Sandbox" },
      addEnvironmentsToPolicy: { environmentIds: [env] }, changeEnvironmentPolicy: { policy: good.policy }, putTenantLicenses: { subscriptions: [] },
    };
    const checked: string[] = [];
    for (const spec of admin) {
      const path = spec.route.replace(/\{\*?(\w+)[^}]*\}/g, (_, p: string) => encodeURIComponent(params[p] ?? "x"));
      // Every role that is not allowed here, and none at all; the admin oids, so only the role is wrong.
      const wrong = [["Environment.User"], [], ...ADMIN_ROLES.filter((r) => !spec.roles.includes(r)).map((r) => [r])];
      for (const roles of wrong) {
        const oid = roles.includes("Keys.Admin") ? KEYS_ADMIN : PLATFORM_ADMIN;
        const res = await kw.call(spec.method, path, { as: { oid, roles }, body: bodies[spec.name] });
        expect.soft({ route: `${spec.method} ${spec.route}`, roles, status: res.status, code: res.body?.error?.code })
          .toEqual({ route: `${spec.method} ${spec.route}`, roles, status: 403, code: "AuthorizationFailed" });
      }
      checked.push(spec.name);
    }
    expect(await snapshot()).toEqual(before);
    expect(checked).toContain("addEnvironmentsToPolicy");
  });

  it("the refusal names the role needed", async () => {
    const res = await kw.platformAdmin("DELETE", `enterprisePolicies/${good.policy}`);
    expectRefused(res, 403, "AuthorizationFailed");
    expect(res.body.error.message).toContain("Keys.Admin");
    expect((await kw.keysAdmin("GET", `enterprisePolicies/${good.policy}`)).status).toBe(200);
  });
});
