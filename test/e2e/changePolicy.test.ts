// Change an environment's key by moving it to another enterprise policy, end to end: revert to
// the platform key, then add to the new policy, as the reference describes: two downtimes, each
// visible in the status (Reverting..., then Encrypting...) and in the history (one "Update
// Customer Managed Key" entry per half, plus the change itself), data intact, and the
// environment Encrypted on the new policy with nothing left under the old key or the platform key.
// Each downtime is held open by the vault answering wrapKey with 503 for the key that half wraps
// its new DEK with (the platform key, then the new customer key) until the test has looked, so
// the test sees both for certain; the half's first step retries meanwhile.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { PLATFORM_VAULT } from "../../local/platformKey";
import {
  USER, startAdd, getEnvironment, getOperation, keyRing, recordPath, seedNumbered, verifyAll, waitForOperation, watchStatuses,
} from "../support/environments";
import { services } from "../../shared/services";

let kw: Keyward;

beforeAll(async () => {
  // Enough activity attempts (~50 s) for a held step to outlast the test's look.
  kw = await Keyward.start({ KEYWARD_REENCRYPT_PAGE_SIZE: "25", KEYWARD_ACTIVITY_FIRST_RETRY_MS: "100", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "10" });
});
afterAll(async () => kw?.stop());

/** Waits until the environment shows `status`, then proves the data API refuses while it does. */
async function expectDowntime(env: string, status: string): Promise<void> {
  await kw.until(`status ${status}`, () => getEnvironment(kw, env), (e) => e.encryption.status === status, 60_000);
  const [read, file] = await Promise.all([kw.user("GET", recordPath(env, 3)), kw.call("GET", `environments/${env}/files/dir/f0`, { as: USER })]);
  expect((await getEnvironment(kw, env)).encryption.status).toBe(status);
  for (const res of [read, file]) {
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("EnvironmentUnavailable");
    expect(res.headers.get("retry-after")).toBeTruthy();
  }
}

describe("change policy", () => {
  it("reverts, then adds to the new policy: two downtimes, three history entries, data intact", async () => {
    const first = await kw.customerPolicy();
    const second = await kw.customerPolicy({ key: "cmk2" });
    const env = await kw.environment();
    const seeded = await seedNumbered(kw, env, 300, 20);
    const added = await waitForOperation(kw, await startAdd(kw, first.policy, env));
    expect(added.status).toBe("Succeeded");
    const firstDek = (await keyRing(env)).activeDekId;

    await kw.management.putFault("platform-wrap-unavailable", { vault: PLATFORM_VAULT, operation: "wrapKey", status: 503 });
    await kw.management.putFault("new-key-wrap-unavailable", { vault: second.vaultName, operation: "wrapKey", status: 503 });
    const watcher = watchStatuses(kw, env);
    const res = await kw.platformAdmin("POST", `environments/${env}/changePolicy`, { policy: second.policy });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const operationId = res.body.operations[0].operationId as string;

    await expectDowntime(env, "Reverting");
    await kw.management.deleteFault("platform-wrap-unavailable");
    await expectDowntime(env, "Encrypting");
    await kw.management.deleteFault("new-key-wrap-unavailable");
    const op = await waitForOperation(kw, operationId);
    const seen = await watcher.stop();

    expect(op, JSON.stringify(op)).toMatchObject({ kind: "ChangePolicy", status: "Succeeded", operation: "Change enterprise policy", policy: first.policy, targetPolicy: second.policy });
    // The statuses in the reference's order: the first downtime, online again, the second downtime.
    const at = (s: string) => seen.indexOf(s);
    expect(at("Reverting"), seen.join(" > ")).toBeGreaterThanOrEqual(0);
    expect(at("Encrypting")).toBeGreaterThan(at("Reverting"));
    expect(seen[seen.length - 1]).toBe("Encrypted");
    expect(seen.slice(at("Reverting") + 1, at("Encrypting")).some((s) => s === "RevertingOnline" || s === "PlatformManaged"), seen.join(" > ")).toBe(true);

    // History: the change, and one Update Customer Managed Key entry per half, the revert first.
    const history = (await kw.platformAdmin("GET", `environments/${env}/history`)).body.value as { operationId?: string; operation: string; status: string; startedAt: string; endedAt: string; steps: { name: string; status: string }[] }[];
    const remove = await getOperation(kw, `${operationId}-remove`);
    const add = await getOperation(kw, `${operationId}-add`);
    for (const half of [remove, add]) {
      expect(half).toMatchObject({ operation: "Update Customer Managed Key", status: "Succeeded" });
      expect(half.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
        "Prepare key:Succeeded", "Re-encrypt records:Succeeded", "Re-encrypt files:Succeeded", "Retire previous key:Succeeded",
      ]);
    }
    expect(remove.kind).toBe("RemoveFromPolicy");
    expect(add.kind).toBe("AddToPolicy");
    expect(Date.parse(remove.endedAt)).toBeLessThanOrEqual(Date.parse(add.startedAt));
    const names = history.map((h) => h.operation);
    expect(names.filter((n) => n === "Update Customer Managed Key")).toHaveLength(3); // the first add, then the two halves
    expect(names.filter((n) => n === "Change enterprise policy")).toHaveLength(1);
    expect(history.every((h) => h.status === "Succeeded")).toBe(true);

    // On the new policy, every item readable, nothing under the old key or the platform key.
    const after = await getEnvironment(kw, env);
    expect(after.encryption).toMatchObject({ keyType: "CustomerManaged", policy: second.policy, status: "Encrypted" });
    expect(after.encryption.keyId).toContain(`/keys/${second.keyName}/`);
    expect(after.encryption.activeOperationId).toBeUndefined();
    await verifyAll(kw, env, seeded);
    const ring = await keyRing(env);
    expect(ring.activeDekId).not.toBe(firstDek);
    expect(ring.deks.filter((d) => d.state !== "retired").map((d) => d.dekId)).toEqual([ring.activeDekId]);
    const copies = [...ring.deks.flatMap((d) => d.wrapped), ...ring.indexKey.wrapped];
    expect(copies.every((c) => c.source.kind === "CustomerManaged" && c.source.policy === second.policy), JSON.stringify(copies.map((c) => c.source))).toBe(true);
    expect(await services().reencryption.dekUsage(await kw.dataIdOf(env))).toEqual({ records: { [ring.activeDekId]: 300 }, files: { [ring.activeDekId]: 20 } });
  }, 120_000);
});
