// Separation of duty turned off (KEYWARD_ALLOW_DUAL_ADMIN=true): one principal holding both admin
// roles may do the key vault administrator's and the platform administrator's parts, end to end.
// Its own keyward: the default setting is tested in separationOfDuty.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { uniquePrefix } from "../support/storage";
import { addAndWait, newOid, policyBody } from "./support";

let kw: Keyward;
const DUAL = { oid: newOid(), roles: ["Keys.Admin", "Platform.Admin"] };
const dual = (method: string, route: string, body?: unknown) => kw.call(method, route, { as: DUAL, body });

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ALLOW_DUAL_ADMIN: "true", KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" });
});
afterAll(async () => kw?.stop());

describe("KEYWARD_ALLOW_DUAL_ADMIN=true", () => {
  it("lets a caller with both admin roles create a policy, grant itself Reader, create an environment and add it", async () => {
    const vaultName = `cv${uniquePrefix("").slice(0, 12)}`;
    const vault = await kw.createCustomerVault(vaultName);
    await kw.keyClient(vaultName).createRsaKey("cmk", { keySize: 2048, keyOps: ["wrapKey", "unwrapKey"] });
    const policy = uniquePrefix("dual");
    const created = await dual("PUT", `enterprisePolicies/${policy}`, policyBody(vault.id, "cmk"));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.systemData.createdBy).toBe(DUAL.oid);
    await kw.grantKeyToPolicy(`policy-${policy}`, created.body.identity.principalId, vault.id);
    expect((await dual("PUT", `enterprisePolicies/${policy}/readers/${DUAL.oid}`)).status).toBe(200);
    expect((await dual("PUT", "tenant/licenses", { subscriptions: ["Microsoft 365 E5"] })).status).toBe(200);
    const env = "dual-env";
    expect((await dual("PUT", `environments/${env}`, { displayName: "Dual", region: "europe", type: "Production", managed: true })).status).toBe(201);

    const done = await addAndWait(kw, policy, env, dual);
    expect(done.encryption).toMatchObject({ keyType: "CustomerManaged", policy, status: "Encrypted" });
    expect((await dual("GET", "audit")).status).toBe(200);
  });

  it("still refuses a caller with neither admin role", async () => {
    const res = await kw.call("GET", "enterprisePolicies", { as: { oid: newOid(), roles: ["Environment.User"] } });
    expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 403, code: "AuthorizationFailed" });
  });
});
