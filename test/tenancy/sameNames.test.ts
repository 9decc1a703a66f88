// Two tenants use the same policy and environment names at once: both worlds are built
// concurrently under identical names (policies, environments, the record table and id, the file
// path), with an add and a backup each running side by side. Each tenant then sees only its own:
// its policies on its own vault, its environments with its own data, backups, history,
// operations, members, licences and audit; and the storage behind the two is apart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { services } from "../../shared/services";
import { callAs, newTenant } from "./support/tenants";
import { buildWorld, uniqueName, type TenantWorld } from "./support/world";

let kw: Keyward;
let A: TenantWorld;
let B: TenantWorld;
const names = { policy: uniqueName("shared-policy"), sparePolicy: uniqueName("shared-spare"), environment: uniqueName("shared-env"), environmentAlone: uniqueName("shared-alone") };

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" });
  // The same label gives the same record table, record id and file path too.
  const [ta, tb] = [newTenant("same"), newTenant("same")];
  [A, B] = await Promise.all([buildWorld(kw, ta, names), buildWorld(kw, tb, names)]);
}, 300_000);
afterAll(async () => kw?.stop());

const both = () => [[A, B], [B, A]] as const;

describe("two tenants with the same names", () => {
  it("were built under identical names", () => {
    for (const k of ["environment", "environmentAlone", "file"] as const) expect(A[k]).toBe(B[k]);
    expect([A.policy.policy, A.sparePolicy.policy, A.record]).toEqual([B.policy.policy, B.sparePolicy.policy, B.record]);
    expect(A.who.tenantId).not.toBe(B.who.tenantId);
  });

  it("each sees its own policies, on its own vault", async () => {
    for (const [me, other] of both()) {
      const list = (await callAs(kw, me.who.keysAdmin, "GET", "enterprisePolicies")).body.value;
      expect(list.map((p: any) => [p.name, p.properties.encryption.keyVault.id]).sort()).toEqual([
        [me.policy.policy, me.policy.vaultId], [me.sparePolicy.policy, me.sparePolicy.vaultId]].sort());
      const one = (await callAs(kw, me.who.keysAdmin, "GET", `enterprisePolicies/${names.policy}`)).body;
      expect(one.identity.principalId).toBe(me.policy.principalId);
      expect(one.properties.readers).toEqual([me.who.platformAdmin.oid]);
      expect(JSON.stringify(list)).not.toContain(other.policy.vaultName);
    }
  });

  it("each sees its own environments, histories, operations, backups and members", async () => {
    for (const [me, other] of both()) {
      const admin = me.who.platformAdmin;
      const envs = (await callAs(kw, admin, "GET", "environments")).body.value;
      expect(envs.map((e: any) => e.id).sort()).toEqual([names.environment, names.environmentAlone].sort());
      const env = (await callAs(kw, admin, "GET", `environments/${names.environment}`)).body;
      expect(env.encryption).toMatchObject({ keyType: "CustomerManaged", policy: names.policy, status: "Encrypted" });
      expect(env.encryption.keyId).toContain(`${me.policy.vaultName}.`);
      const onPolicy = (await callAs(kw, admin, "GET", `environments?policy=${names.policy}`)).body.value;
      expect(onPolicy.map((e: any) => e.id)).toEqual([names.environment]);

      const history = (await callAs(kw, admin, "GET", `environments/${names.environment}/history`)).body.value;
      expect(history.map((h: any) => h.operationId).sort()).toEqual([me.operationId, me.backupOperationId].sort());
      expect((await callAs(kw, admin, "GET", `operations/${me.operationId}`)).status).toBe(200);
      expect((await callAs(kw, admin, "GET", `operations/${other.operationId}`)).body.error.code).toBe("OperationNotFound");

      const backups = (await callAs(kw, admin, "GET", `environments/${names.environment}/backups`)).body.value;
      expect(backups.map((b: any) => b.backupId)).toEqual([me.backupId]);
      const restoreOthers = await callAs(kw, admin, "POST", `environments/${names.environment}/restore`, { sourceEnvironmentId: names.environment, backupId: other.backupId });
      expect(restoreOthers.body.error.code).toBe("BackupNotFound");

      const members = (await callAs(kw, admin, "GET", `environments/${names.environment}/members`)).body.value;
      expect(members.map((m: any) => m.objectId).sort()).toEqual([me.who.member.oid, me.who.adminMember.oid].sort());
    }
  });

  it("each member reads its own tenant's data under the same names, and the other's member is not a member", async () => {
    for (const [me, other] of both()) {
      for (const env of [names.environment, names.environmentAlone]) {
        const record = await callAs(kw, me.who.member, "GET", `environments/${env}/records/${me.record.table}/${me.record.id}`);
        expect(record.body.value).toEqual({ owner: "same", env });
        // The other tenant's member, with a token of the other tenant, reaches the other tenant's environment of that name, its own.
        const file = await callAs(kw, other.who.member, "GET", `environments/${env}/files/${me.file}`);
        expect(file.status).toBe(200);
      }
      // A token of my tenant for the other's member's object id: not a member here.
      const impostor = { ...other.who.member, tenantId: me.who.tenantId };
      const refused = await callAs(kw, impostor, "GET", `environments/${names.environment}/records/${me.record.table}/${me.record.id}`);
      expect(refused.body.error.code).toBe("EnvironmentAccessDenied");
    }
    // Writes land in one tenant only.
    expect((await callAs(kw, A.who.member, "PUT", `environments/${names.environment}/records/${A.record.table}/${A.record.id}`, { owner: "A only" })).status).toBe(200);
    expect((await callAs(kw, B.who.member, "GET", `environments/${names.environment}/records/${B.record.table}/${B.record.id}`)).body.value).toEqual({ owner: "same", env: names.environment });
    expect((await callAs(kw, A.who.member, "GET", `environments/${names.environment}/records/${A.record.table}/${A.record.id}`)).body.value).toEqual({ owner: "A only" });
  });

  it("keeps the two apart in storage: own data ids, own licences, own audit", async () => {
    const { state } = services();
    const [ea, eb] = await Promise.all([A, B].map((w) => state.forTenant(w.who.tenantId).getEnvironment(names.environment)));
    expect(ea!.dataId).not.toBe(eb!.dataId);
    expect((await callAs(kw, A.who.platformAdmin, "PUT", "tenant/licenses", { subscriptions: ["Microsoft 365 E5", "Only A"] })).status).toBe(200);
    expect((await callAs(kw, B.who.platformAdmin, "GET", "tenant/licenses")).body.subscriptions).toEqual(["Microsoft 365 E5"]);
    for (const [me, other] of both()) {
      const audit = (await callAs(kw, me.who.platformAdmin, "GET", "audit?top=1000")).body.value as { callerOid: string }[];
      const mine = new Set(Object.values(me.who).filter((p) => typeof p === "object").map((p) => (p as { oid: string }).oid));
      // (The impostor above: a token of this tenant carrying the other member's object id, refused and audited here.)
      mine.add(other.who.member.oid);
      expect(audit.length).toBeGreaterThan(5);
      expect(audit.filter((e) => !mine.has(e.callerOid))).toEqual([]);
      expect(JSON.stringify(audit)).not.toContain(other.who.platformAdmin.oid);
    }
  });

  it("deletes and re-creates a policy of one tenant under the shared name, leaving the other's", async () => {
    expect((await callAs(kw, A.who.keysAdmin, "DELETE", `enterprisePolicies/${names.sparePolicy}`)).status).toBe(204);
    expect((await callAs(kw, B.who.keysAdmin, "GET", `enterprisePolicies/${names.sparePolicy}`)).body.identity.principalId).toBe(B.sparePolicy.principalId);
    expect((await callAs(kw, A.who.keysAdmin, "GET", `enterprisePolicies/${names.sparePolicy}`)).body.error.code).toBe("PolicyNotFound");
  });
});
