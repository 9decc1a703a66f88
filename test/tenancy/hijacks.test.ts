// The cross-tenant hijacks, tried by tenant B's admins against tenant A, each refused with
// nothing stored changed (every table and container, but B's own audit rows): re-point, revoke
// Reader on, delete A's policy; B's environment joins A's policy (even when A's key admin has
// granted B's platform admin Reader by mistake); backup, restore, copy and reset across tenants.
// Then the race the issue names: a policy's delete against an add to it. The delete checks that
// no environment uses the policy and writes with If-Match; the add bumps the policy's row after
// claiming its environment. Both interleavings are forced (the add lands between the delete's
// check and its write; the delete lands between the add's check and its confirmation), and
// concurrent HTTP rounds never end with a deleted policy that an environment is on. A Reader
// revoke that lands there refuses the add too. And a change of policy's target is in use from the
// moment the change is accepted: held after its remove half (the environment on no policy yet),
// a delete or re-point of the target is 409 PolicyInUse, and the change ends on the checked key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { services } from "../../shared/services";
import { changeUnusedPolicy, confirmPolicyUnchanged } from "../../shared/operations/policyJoin";
import { environmentsOnPolicy } from "../../shared/state/lookups";
import { conflict } from "../../shared/errors";
import { enterprisePolicyBody } from "../../local/embeddedApi";
import { callAs, newTenant } from "./support/tenants";
import { buildWorld, uniqueName, type TenantWorld } from "./support/world";
import { waitForOperation } from "../support/environments";
import { ownedBy, refusedUnchanged, snapshotOf } from "./support/stateGuard";
import { changes } from "./support/storageSnapshot";
import { holdActivities } from "./support/activityGate";
import { activities } from "../../activities";
import type { CustomerPolicy } from "../../local/embeddedApi";

let kw: Keyward;
let A: TenantWorld;
let B: TenantWorld;

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" });
  [A, B] = [await buildWorld(kw, newTenant("alpha")), await buildWorld(kw, newTenant("bravo"))];
}, 300_000);
afterAll(async () => kw?.stop());

const asB = (who: "keysAdmin" | "platformAdmin", method: string, route: string, body?: unknown) => () => callAs(kw, B.who[who], method, route, body);

describe("B's hijacks of A, each refused with nothing changed", () => {
  it("B can't re-point A's policy: its PUT makes a policy of B's own, A's keeps its vault", async () => {
    const snap = snapshotOf(kw);
    const before = await snap();
    const put = await callAs(kw, B.who.keysAdmin, "PUT", `enterprisePolicies/${A.sparePolicy.policy}`, enterprisePolicyBody(B.policy.vaultId, B.policy.keyName));
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    expect(put.body.properties.encryption.keyVault.id).toBe(B.policy.vaultId);
    expect((await callAs(kw, B.who.keysAdmin, "DELETE", `enterprisePolicies/${A.sparePolicy.policy}`)).status).toBe(204);
    // What B's PUT and DELETE wrote is B's only: its policy row (gone again) and its audit.
    expect(changes(before, await snap()).filter((c) => !c.includes(B.who.tenantId))).toEqual([]);
    const ofA = (await callAs(kw, A.who.keysAdmin, "GET", `enterprisePolicies/${A.sparePolicy.policy}`)).body;
    expect(ofA.properties.encryption.keyVault.id).toBe(A.sparePolicy.vaultId);
    expect(ofA.identity.principalId).toBe(A.sparePolicy.principalId);
  });

  it("B can't revoke A's Reader grants", async () => {
    await refusedUnchanged(kw, B.who.tenantId, asB("keysAdmin", "DELETE", `enterprisePolicies/${A.policy.policy}/readers/${A.who.platformAdmin.oid}`), 404, "PolicyNotFound");
    expect((await callAs(kw, A.who.keysAdmin, "GET", `enterprisePolicies/${A.policy.policy}`)).body.properties.readers).toContain(A.who.platformAdmin.oid);
  });

  it("B can't delete A's policy, used or unused", async () => {
    await refusedUnchanged(kw, B.who.tenantId, asB("keysAdmin", "DELETE", `enterprisePolicies/${A.sparePolicy.policy}`), 404, "PolicyNotFound");
    await refusedUnchanged(kw, B.who.tenantId, asB("keysAdmin", "DELETE", `enterprisePolicies/${A.policy.policy}`), 404, "PolicyNotFound");
  });

  it("B can't grant itself Reader on A's policy", async () => {
    await refusedUnchanged(kw, B.who.tenantId, asB("keysAdmin", "PUT", `enterprisePolicies/${A.policy.policy}/readers/${B.who.platformAdmin.oid}`), 404, "PolicyNotFound");
  });

  it("B's environment can't join A's policy, even with Reader on it granted to B's platform admin by A's key admin", async () => {
    const add = asB("platformAdmin", "POST", `enterprisePolicies/${A.sparePolicy.policy}/environments`, { environmentIds: [B.environmentAlone] });
    await refusedUnchanged(kw, B.who.tenantId, add, 404, "PolicyNotFound");
    // A's key admin names B's platform admin's object id as a reader: still A's policy, in A's tenant only.
    expect((await callAs(kw, A.who.keysAdmin, "PUT", `enterprisePolicies/${A.sparePolicy.policy}/readers/${B.who.platformAdmin.oid}`)).status).toBe(200);
    await refusedUnchanged(kw, B.who.tenantId, add, 404, "PolicyNotFound");
    // Nor does naming A's environment through B's own policy reach it.
    await refusedUnchanged(kw, B.who.tenantId, asB("platformAdmin", "POST", `enterprisePolicies/${B.sparePolicy.policy}/environments`, { environmentIds: [A.environmentAlone] }), 404, "EnvironmentNotFound");
    // Nor a change of policy: B's environment onto A's policy.
    await refusedUnchanged(kw, B.who.tenantId, asB("platformAdmin", "POST", `environments/${B.environment}/changePolicy`, { policy: A.sparePolicy.policy }), 404, "PolicyNotFound");
    expect((await callAs(kw, A.who.keysAdmin, "DELETE", `enterprisePolicies/${A.sparePolicy.policy}/readers/${B.who.platformAdmin.oid}`)).status).toBe(204);
  });

  it("B can't back up, restore, copy or reset across tenants", async () => {
    const t = B.who.tenantId;
    await refusedUnchanged(kw, t, asB("platformAdmin", "POST", `environments/${A.environment}/backups`), 404, "EnvironmentNotFound");
    await refusedUnchanged(kw, t, asB("platformAdmin", "GET", `environments/${A.environment}/backups`), 404, "EnvironmentNotFound");
    // A's backup into B's environment; B's backup over A's environment; A's backup named through B's environment as the source.
    await refusedUnchanged(kw, t, asB("platformAdmin", "POST", `environments/${B.environment}/restore`, { sourceEnvironmentId: A.environment, backupId: A.backupId }), 404, "EnvironmentNotFound");
    await refusedUnchanged(kw, t, asB("platformAdmin", "POST", `environments/${A.environment}/restore`, { sourceEnvironmentId: B.environment, backupId: B.backupId }), 404, "EnvironmentNotFound");
    await refusedUnchanged(kw, t, asB("platformAdmin", "POST", `environments/${B.environment}/restore`, { sourceEnvironmentId: B.environment, backupId: A.backupId }), 404, "BackupNotFound");
    await refusedUnchanged(kw, t, asB("platformAdmin", "POST", `environments/${B.environmentAlone}/copy`, { sourceEnvironmentId: A.environmentAlone }), 404, "EnvironmentNotFound");
    await refusedUnchanged(kw, t, asB("platformAdmin", "POST", `environments/${A.environmentAlone}/copy`, { sourceEnvironmentId: B.environmentAlone }), 404, "EnvironmentNotFound");
    await refusedUnchanged(kw, t, asB("platformAdmin", "POST", `environments/${A.environment}/reset`), 404, "EnvironmentNotFound");
    // A's data is all there, as A's member reads it.
    const record = await callAs(kw, A.who.member, "GET", `environments/${A.environment}/records/${A.record.table}/${A.record.id}`);
    expect(record.body.value).toEqual({ owner: "alpha", env: A.environment });
  });
});

describe("one tenant's key is its own", () => {
  it("B's policy on A's vault and key gets nothing from it: the probe is Forbidden, an add is refused, A unchanged", async () => {
    const isA = await ownedBy(kw, A.who.tenantId);
    const snap = snapshotOf(kw);
    const before = [...(await snap())].filter(([k]) => isA(k));
    const name = uniqueName("bravo-on-alpha-key");
    const put = await callAs(kw, B.who.keysAdmin, "PUT", `enterprisePolicies/${name}`, enterprisePolicyBody(A.policy.vaultId, A.policy.keyName));
    expect(put.status).toBe(201); // keyward can't know whose vault it is; the vault decides who uses the key
    expect((await callAs(kw, B.who.keysAdmin, "PUT", `enterprisePolicies/${name}/readers/${B.who.platformAdmin.oid}`)).status).toBe(200);
    expect((await callAs(kw, B.who.keysAdmin, "GET", `enterprisePolicies/${name}/health`)).body.status).toBe("Forbidden");
    const add = await callAs(kw, B.who.platformAdmin, "POST", `enterprisePolicies/${name}/environments`, { environmentIds: [B.environmentAlone] });
    expect({ status: add.status, code: add.body.error?.code }).toEqual({ status: 409, code: "KeyNotAccessible" });
    expect((await callAs(kw, B.who.platformAdmin, "GET", `environments/${B.environmentAlone}`)).body.encryption.keyType).toBe("PlatformManaged");
    expect((await callAs(kw, B.who.keysAdmin, "DELETE", `enterprisePolicies/${name}`)).status).toBe(204);
    expect([...(await snap())].filter(([k]) => isA(k))).toEqual(before);
  });

  it("B revoking its own key locks B's environment only; A's stays Enabled and served", async () => {
    const isA = await ownedBy(kw, A.who.tenantId);
    const snap = snapshotOf(kw);
    const before = [...(await snap())].filter(([k]) => isA(k) && k.includes("Environments|"));
    // B's vault administrator takes the policy identity's access away (both its assignments).
    for (const id of [B.policy.assignmentId, `${B.who.tenantId}-${B.policy.policy}`]) await kw.management.deleteRoleAssignment(id);
    await kw.management.flushEvents();
    await kw.stack.runtime.triggerTimer("keyHealthProbe");
    await kw.until("B's environment locked", async () => (await callAs(kw, B.who.platformAdmin, "GET", `environments/${B.environment}`)).body, (e) => e.state === "Locked", 30_000);
    expect((await callAs(kw, B.who.member, "GET", `environments/${B.environment}/records/${B.record.table}/${B.record.id}`)).status).toBe(423);
    const a = (await callAs(kw, A.who.platformAdmin, "GET", `environments/${A.environment}`)).body;
    expect(a).toMatchObject({ state: "Enabled", encryption: { status: "Encrypted", policy: A.policy.policy } });
    expect((await callAs(kw, A.who.member, "GET", `environments/${A.environment}/records/${A.record.table}/${A.record.id}`)).status).toBe(200);
    expect([...(await snap())].filter(([k]) => isA(k) && k.includes("Environments|"))).toEqual(before);
    expect((await callAs(kw, A.who.keysAdmin, "GET", "alerts")).body.value.filter((x: { kind: string }) => x.kind !== "KeyNearExpiry")).toEqual([]);
  });
});

describe("a policy's delete against an add to it (the policy row's ETag)", () => {
  /** A fresh policy on A's vault and key (or `on`'s), its identity granted on the vault, A's platform admin a reader. */
  async function freshPolicy(on: CustomerPolicy = A.policy): Promise<string> {
    const name = uniqueName("alpha-race");
    const created = await callAs(kw, A.who.keysAdmin, "PUT", `enterprisePolicies/${name}`, enterprisePolicyBody(on.vaultId, on.keyName));
    expect(created.status).toBe(201);
    await kw.management.putRoleAssignment(`policy-${name}`, { principalId: created.body.identity.principalId, roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: on.vaultId });
    expect((await callAs(kw, A.who.keysAdmin, "PUT", `enterprisePolicies/${name}/readers/${A.who.platformAdmin.oid}`)).status).toBe(200);
    return name;
  }
  const state = () => services().state.forTenant(A.who.tenantId);
  /** The delete route's own check (functions/policies/deletePolicy.ts). */
  const refuseInUse = async (name: string) => {
    if ((await environmentsOnPolicy(state(), name)).length > 0) throw conflict("PolicyInUse", `Enterprise policy '${name}' is in use.`, "name");
  };
  async function removeAgain(env: string, policy: string): Promise<void> {
    const op = await callAs(kw, A.who.platformAdmin, "DELETE", `enterprisePolicies/${policy}/environments/${env}`);
    expect(op.status, JSON.stringify(op.body)).toBe(202);
    expect((await waitForOperation(kw, op.body.operations[0].operationId, { as: A.who.platformAdmin })).status).toBe("Succeeded");
  }

  it("an add that lands between the delete's check and its write makes the delete see it: 409 PolicyInUse, the policy stays", async () => {
    const name = await freshPolicy();
    let added: { status: number; body: any } | undefined;
    const attempt = changeUnusedPolicy(state(), name, async () => {
      await refuseInUse(name);
      // The check found no environment. Before the delete writes, a real add goes through.
      added ??= await callAs(kw, A.who.platformAdmin, "POST", `enterprisePolicies/${name}/environments`, { environmentIds: [A.environmentAlone] });
    }, () => null);
    await expect(attempt).rejects.toMatchObject({ code: "PolicyInUse" });
    expect(added?.status, JSON.stringify(added?.body)).toBe(202);
    expect(await state().getPolicy(name)).toBeDefined();
    const done = await waitForOperation(kw, added!.body.operations[0].operationId, { as: A.who.platformAdmin });
    expect(done.status).toBe("Succeeded");
    await removeAgain(A.environmentAlone, name);
  });

  it("a delete that lands between the add's check and its confirmation makes the add refuse: 409 PolicyChanged", async () => {
    const name = await freshPolicy();
    const checked = (await state().getPolicyWithEtag(name))!;
    // The add has read the policy and checked its rules; now the delete goes through over HTTP.
    expect((await callAs(kw, A.who.keysAdmin, "DELETE", `enterprisePolicies/${name}`)).status).toBe(204);
    await expect(confirmPolicyUnchanged(state(), checked.doc, checked.etag, A.who.platformAdmin.oid)).rejects.toMatchObject({ code: "PolicyChanged" });
  });

  it("a re-point that lands there too: 409 PolicyChanged", async () => {
    const name = await freshPolicy();
    const checked = (await state().getPolicyWithEtag(name))!;
    const repoint = await callAs(kw, A.who.keysAdmin, "PUT", `enterprisePolicies/${name}`, enterprisePolicyBody(A.sparePolicy.vaultId, A.sparePolicy.keyName));
    expect(repoint.status).toBe(200);
    await expect(confirmPolicyUnchanged(state(), checked.doc, checked.etag, A.who.platformAdmin.oid)).rejects.toMatchObject({ code: "PolicyChanged" });
  });

  it("a Reader revoke that lands there: 403 PolicyReaderRequired, the policy row as the revoke left it; another reader's grant there is harmless", async () => {
    const name = await freshPolicy();
    const checked = (await state().getPolicyWithEtag(name))!;
    // Someone else granted Reader in between: the add confirms on the fresh row.
    expect((await callAs(kw, A.who.keysAdmin, "PUT", `enterprisePolicies/${name}/readers/${A.who.user.oid}`)).status).toBe(200);
    const granted = (await state().getPolicyWithEtag(name))!;
    await confirmPolicyUnchanged(state(), checked.doc, checked.etag, A.who.platformAdmin.oid);
    const confirmed = (await state().getPolicyWithEtag(name))!;
    expect(confirmed.doc.revision).toBe((granted.doc.revision ?? 0) + 1);
    expect(confirmed.doc.readers).toEqual(granted.doc.readers);
    // The add has checked its caller is a Reader; the revoke goes through over HTTP before its confirmation.
    expect((await callAs(kw, A.who.keysAdmin, "DELETE", `enterprisePolicies/${name}/readers/${A.who.platformAdmin.oid}`)).status).toBe(204);
    const revoked = (await state().getPolicyWithEtag(name))!;
    const refusal = confirmPolicyUnchanged(state(), confirmed.doc, confirmed.etag, A.who.platformAdmin.oid);
    await expect(refusal).rejects.toMatchObject({ code: "PolicyReaderRequired", kind: "refused" });
    await expect(refusal).rejects.toThrow(/revoked while the environment was being added; nothing was started/);
    expect(await state().getPolicyWithEtag(name)).toEqual(revoked);
  });


  it("concurrent HTTP deletes and adds never leave an environment on a deleted policy", async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < 6; round++) {
      const name = await freshPolicy();
      // The delete a little later each round, so it lands at different points of the add (its key probe takes a while).
      const [del, add] = await Promise.all([
        new Promise((r) => setTimeout(r, [0, 40, 80, 150, 250, 400][round])).then(() => callAs(kw, A.who.keysAdmin, "DELETE", `enterprisePolicies/${name}`)),
        callAs(kw, A.who.platformAdmin, "POST", `enterprisePolicies/${name}/environments`, { environmentIds: [A.environmentAlone] }),
      ]);
      outcomes.push(`delete ${del.status} ${del.body?.error?.code ?? ""} / add ${add.status} ${add.body?.error?.code ?? ""}`);
      const policy = await state().getPolicy(name);
      const env = (await state().getEnvironment(A.environmentAlone))!;
      if (add.status === 202) {
        // The add won: the delete saw the environment.
        expect(del.status).toBe(409);
        expect(policy).toBeDefined();
        expect((await waitForOperation(kw, add.body.operations[0].operationId, { as: A.who.platformAdmin })).status).toBe("Succeeded");
        await removeAgain(A.environmentAlone, name);
      } else {
        // The delete won: the add was refused and left the environment as it was.
        expect(del.status).toBe(204);
        expect(policy).toBeUndefined();
        expect([404, 409]).toContain(add.status);
        expect(env.encryption).toMatchObject({ keyType: "PlatformManaged", status: "PlatformManaged" });
        expect(env.encryption.policy).toBeUndefined();
        expect(env.encryption.activeOperationId).toBeUndefined();
      }
    }
    console.log(`delete vs add: ${outcomes.join("; ")}`);
  }, 240_000);

  /** Storage as it stands once nothing writes: two snapshots 300 ms apart equal. */
  async function settled(): Promise<void> {
    const snap = snapshotOf(kw, A.who.tenantId);
    let last = await snap();
    await kw.until("storage settled", async () => {
      await new Promise((r) => setTimeout(r, 300));
      const next = await snap();
      const same = changes(last, next).length === 0;
      last = next;
      return same;
    }, (same) => same, 20_000);
  }

  it("a change of policy's target is in use from acceptance: its delete and re-point while the change runs are 409 PolicyInUse naming the environment, nothing changed, and the change ends on the checked key", async () => {
    const from = await freshPolicy(A.policy);
    const to = await freshPolicy(A.sparePolicy);
    const env = await kw.api.environment(A.who.platformAdmin, uniqueName("alpha-mover"), { members: [{ objectId: A.who.member.oid, access: "ReadWrite" }] });
    expect((await callAs(kw, A.who.member, "PUT", `environments/${env}/records/movers/m1`, { owner: "alpha", env })).status).toBe(201);
    const add = await callAs(kw, A.who.platformAdmin, "POST", `enterprisePolicies/${from}/environments`, { environmentIds: [env] });
    expect(add.status, JSON.stringify(add.body)).toBe(202);
    expect((await waitForOperation(kw, add.body.operations[0].operationId, { as: A.who.platformAdmin })).status).toBe("Succeeded");

    // Held at the add half's first activity: the remove half has ended, the environment names no policy yet.
    const gate = holdActivities(Object.keys(activities), (input) => input?.environmentId === env && String(input?.operationId).endsWith("-add"));
    let change: { status: number; body: any };
    try {
      change = await callAs(kw, A.who.platformAdmin, "POST", `environments/${env}/changePolicy`, { policy: to });
      expect(change.status, JSON.stringify(change.body)).toBe(202);
      await Promise.race([gate.entered, new Promise((_, no) => setTimeout(() => no(new Error("the add half never began")), 90_000))]);
      const held = (await state().getEnvironment(env))!;
      expect(held.encryption).toMatchObject({ keyType: "PlatformManaged", activeOperationId: change.body.operations[0].operationId });
      expect(held.encryption.policy).toBeUndefined();
      await settled();

      const del = await refusedUnchanged(kw, A.who.tenantId, () => callAs(kw, A.who.keysAdmin, "DELETE", `enterprisePolicies/${to}`), 409, "PolicyInUse");
      expect(del.body.error.message).toContain(env);
      const repoint = await refusedUnchanged(kw, A.who.tenantId,
        () => callAs(kw, A.who.keysAdmin, "PUT", `enterprisePolicies/${to}`, enterprisePolicyBody(A.policy.vaultId, A.policy.keyName)), 409, "PolicyInUse");
      expect(repoint.body.error.message).toContain(env);
      // The policy it leaves is no longer in use: it may go (the control: the refusals above are the target's use, not any use).
      expect((await callAs(kw, A.who.keysAdmin, "DELETE", `enterprisePolicies/${from}`)).status).toBe(204);
    } finally {
      gate.open();
    }

    const done = await waitForOperation(kw, change.body.operations[0].operationId, { as: A.who.platformAdmin });
    expect(done.status, JSON.stringify(done)).toBe("Succeeded");
    const after = (await state().getEnvironment(env))!;
    expect(after.encryption).toMatchObject({ keyType: "CustomerManaged", status: "Encrypted", policy: to });
    expect(after.encryption.keyId).toContain(`/keys/${A.sparePolicy.keyName}/`);
    expect(after.encryption.keyId).toContain(A.sparePolicy.vaultName);
    expect(after.encryption.joining, "dropped with the slot").toBeUndefined();
    const target = (await callAs(kw, A.who.keysAdmin, "GET", `enterprisePolicies/${to}`)).body;
    expect(target.properties.encryption.keyVault.id).toBe(A.sparePolicy.vaultId);
    expect((await callAs(kw, A.who.member, "GET", `environments/${env}/records/movers/m1`)).body.value).toEqual({ owner: "alpha", env });
  }, 240_000);
});
