// Activities map what they meet through terminalOutcomeOf (shared/operations/activityOutcome.ts):
// an error no retry cures comes back as a value the flow handles, at once, instead of being
// thrown and retried until the activity's maxAttempts; what a retry may cure is still thrown.
// Against the run's Azurite: a real key ring table, record and file stores, and state store.
import { describe, expect, it } from "vitest";
import type { AppServices } from "../../shared/appServices";
import { contention } from "../../shared/errors";
import { StateStore } from "../../shared/state/stateStore";
import { countPartition } from "../../activities/countPartition";
import { listPartitions } from "../../activities/listPartitions";
import { beginBackup } from "../../activities/beginBackup";
import { testStorage, uniquePrefix } from "../support/storage";
import { testEnvironment } from "../data/support/environment";

const BUCKETS = 2;

function dataServices() {
  const t = testEnvironment({ buckets: BUCKETS });
  const svc = { reencryption: t.reencryption, settings: { countItemsPerCall: 100 } } as unknown as AppServices;
  return { t, svc };
}

describe("countPartition", () => {
  it("counts a partition of an environment that has data", async () => {
    const { t, svc } = dataServices();
    const env = t.newEnvironmentId();
    const dek = (await t.data.initialize(env, t.platformKey)).activeDekId;
    await t.data.putRecord(env, "t", "r1", { n: 1 });
    const counted = await Promise.all([0, 1].map((p) => countPartition({ dataId: env, store: "records", partition: String(p), targetDekId: dek }, svc)));
    expect(counted.map((c) => c.outcome)).toEqual(["ok", "ok"]);
    expect(counted.reduce((n, c) => n + (c.outcome === "ok" ? c.scanned : 0), 0)).toBe(1);
  });

  it("an environment with no key ring: Refused KeyRingNotFound as a value, not a throw to retry", async () => {
    const { t, svc } = dataServices();
    const out = await countPartition({ dataId: t.newEnvironmentId(), store: "records", partition: "0", targetDekId: "dek-none" }, svc);
    expect(out).toMatchObject({ outcome: "Refused", code: "KeyRingNotFound" });
  });

  it("a partition the environment does not have: Refused InvalidPartition", async () => {
    const { t, svc } = dataServices();
    const env = t.newEnvironmentId();
    const dek = (await t.data.initialize(env, t.platformKey)).activeDekId;
    const out = await countPartition({ dataId: env, store: "files", partition: String(BUCKETS), targetDekId: dek }, svc);
    expect(out).toMatchObject({ outcome: "Refused", code: "InvalidPartition" });
  });

  it("what a retry may cure is still thrown (Durable Functions retries it)", async () => {
    const svc = { reencryption: { countDeks: async () => { throw contention("RecordWriteConflict", "a concurrent write won"); } }, settings: { countItemsPerCall: 100 } } as unknown as AppServices;
    await expect(countPartition({ dataId: "d", store: "records", partition: "0", targetDekId: "x" }, svc)).rejects.toMatchObject({ code: "RecordWriteConflict" });
  });
});

describe("listPartitions", () => {
  it("an environment with no key ring: Refused KeyRingNotFound as a value", async () => {
    const { t, svc } = dataServices();
    const out = await listPartitions({ dataId: t.newEnvironmentId(), store: "records" }, svc);
    expect(out).toMatchObject({ outcome: "Refused", code: "KeyRingNotFound" });
  });

  it("an environment with data: its partitions and size", async () => {
    const { t, svc } = dataServices();
    const env = t.newEnvironmentId();
    await t.data.initialize(env, t.platformKey);
    await t.data.putRecord(env, "t", "r1", { n: 1 });
    expect(await listPartitions({ dataId: env, store: "records" }, svc)).toEqual({ partitions: ["0", "1"], items: 1, remaining: 1 });
  });
});

describe("beginBackup", () => {
  it("an environment that is gone: Refused EnvironmentNotFound as a value, nothing begun", async () => {
    const state = new StateStore(testStorage(), uniquePrefix("act"));
    let begun = 0;
    const svc = { state, backups: { begin: async () => { begun++; return { buckets: 1 }; } } } as unknown as AppServices;
    const out = await beginBackup({ operationId: "op-1", tenantId: "tenant-1", environmentId: "env-gone", dataId: "d-gone", backupId: "b-1" }, svc);
    expect(out).toMatchObject({ outcome: "Refused", code: "EnvironmentNotFound" });
    expect(begun).toBe(0);
  });
});
