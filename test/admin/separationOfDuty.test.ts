// Separation of duty, default setting: a caller holding both Keys.Admin and Platform.Admin is
// refused on every admin route (403 SeparationOfDuty, saying why and how to allow it), and
// nothing changes. The opposite setting is in dualAdminAllowed.test.ts (one keyward per file).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward, SUBSCRIPTION } from "../support/keyward";
import { routeCatalog } from "../../shared/http/route";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { expectRefused, newOid, policyBody, refusedWithoutChange, snapshot } from "./support";

let kw: Keyward;
const DUAL = { oid: newOid(), roles: ["Keys.Admin", "Platform.Admin"] };
const VAULT_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/contoso-keys`;

beforeAll(async () => {
  kw = await Keyward.start();
});
afterAll(async () => kw?.stop());

describe("separation of duty (KEYWARD_ALLOW_DUAL_ADMIN unset)", () => {
  it("refuses a caller with both admin roles creating a policy (403 SeparationOfDuty), saying why", async () => {
    const res = await refusedWithoutChange(() => kw.call("PUT", "enterprisePolicies/dual", { as: DUAL, body: policyBody(VAULT_ID, "cmk") }), 403, "SeparationOfDuty");
    expect(res.body.error.message).toContain("Keys.Admin");
    expect(res.body.error.message).toContain("Platform.Admin");
    expect(res.body.error.message).toContain("KEYWARD_ALLOW_DUAL_ADMIN");
    // The same call by the key vault administrator alone is accepted (the control).
    expect((await kw.keysAdmin("PUT", "enterprisePolicies/dual", policyBody(VAULT_ID, "cmk"))).status).toBe(201);
  });

  it("refuses the dual-role caller on every admin route, even with an extra data role", async () => {
    const before = await snapshot();
    const admin = routeCatalog.filter((r) => r.roles.some((role) => ADMIN_ROLES.includes(role)));
    expect(admin.length).toBeGreaterThanOrEqual(20);
    for (const spec of admin) {
      const path = spec.route.replace(/\{\*?(\w+)[^}]*\}/g, "x1");
      for (const roles of [DUAL.roles, [...DUAL.roles, "Environment.User"]]) {
        const res = await kw.call(spec.method, path, { as: { oid: DUAL.oid, roles }, body: spec.method === "GET" ? undefined : {} });
        expect.soft({ route: `${spec.method} ${spec.route}`, status: res.status, code: res.body?.error?.code })
          .toEqual({ route: `${spec.method} ${spec.route}`, status: 403, code: "SeparationOfDuty" });
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it("records the refusal in the audit log", async () => {
    const res = await kw.call("GET", "enterprisePolicies", { as: DUAL });
    expectRefused(res, 403, "SeparationOfDuty");
    const audit = await kw.keysAdmin("GET", `audit?caller=${DUAL.oid}`);
    const entry = audit.body.value.find((e: { requestId: string }) => e.requestId === res.headers.get("x-ms-request-id"));
    expect(entry).toMatchObject({ callerOid: DUAL.oid, operation: "listEnterprisePolicies", status: 403, result: "Failed", errorCode: "SeparationOfDuty" });
  });
});
