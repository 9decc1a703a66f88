// Rotation within the vault's quota, end to end: the local vault throttles as Azure does (a
// sliding 10 s window per vault, 429 with no Retry-After), here at a quota low enough that a
// policy's rotation must run into it. The rotation re-wraps a few environments at a time, waits
// on durable timers when throttled (running fewer at once), keeps what a throttled attempt
// wrapped, and ends Succeeded: no environment locked, none failed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { addToPolicyAndWait, getEnvironment, keyRing, seedDataset, expectData, type Dataset } from "../support/environments";
import { EVENT_FUNCTION_NAMES } from "../../shared/events/names";

const ENVIRONMENTS = 10;
let kw: Keyward;
let p: Awaited<ReturnType<Keyward["customerPolicy"]>>;
const envs: { id: string; data: Dataset }[] = [];

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ROTATION_PARALLELISM: "4", KEYWARD_ACTIVITY_FIRST_RETRY_MS: "200", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" });
  // Started by hand below, so the test knows the operation.
  await kw.management.deleteEventSubscription(EVENT_FUNCTION_NAMES.keyVault);
  p = await kw.customerPolicy({ keySize: 2048 });
  const ids = await Promise.all(Array.from({ length: ENVIRONMENTS }, () => kw.environment()));
  await addToPolicyAndWait(kw, p.policy, ids);
  for (const id of ids) envs.push({ id, data: await seedDataset(kw, id, { records: 2, files: 1 }) });
}, 240_000);
afterAll(async () => {
  await kw?.management.setBehaviour({ throttling: { enabled: false } }).catch(() => undefined);
  await kw?.stop();
});

describe("rotation within the vault's quota", () => {
  it("rotates every environment under a throttling vault: zero locks, zero failures", async () => {
    const rotated = await kw.keyClient(p.vaultName).rotateKey(p.keyName);
    await kw.management.flushEvents();
    const since = (await kw.management.requests()).lastSeq;
    // 30 RSA-2048 operations per 10 s on each vault: a tenth of a second's worth on Azure.
    await kw.management.setBehaviour({ throttling: { enabled: true, windowSeconds: 10, retryAfter: "none", limits: { keyOther: { "RSA-2048": { software: 30 } } } } });
    const started = Date.now();
    const res = await kw.keysAdmin("POST", `enterprisePolicies/${p.policy}/rotate`);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const op = await kw.until("rotation", () => kw.keysAdmin("GET", `operations/${res.body.operationId}`), (r) => r.status === 200 && r.body.status !== "Running", 240_000);
    const seconds = (Date.now() - started) / 1000;
    const log = (await kw.management.requests(since)).value.filter((r) => r.vault === p.vaultName);
    const throttled = log.filter((r) => r.status === 429).length;
    const byOperation: Record<string, number> = {};
    for (const r of log) byOperation[`${r.operation}:${r.status}`] = (byOperation[`${r.operation}:${r.status}`] ?? 0) + 1;
    console.info(`[measure] rotation of ${ENVIRONMENTS} environments at 30 ops/10 s: ${op.body.status} in ${seconds.toFixed(1)} s; ${log.length} vault requests, ${throttled} answered 429; ${JSON.stringify(byOperation)}`);
    await kw.management.setBehaviour({ throttling: { enabled: false } });

    expect(throttled).toBeGreaterThan(0); // the quota was really in the way
    // Unthrottled, a re-wrap here costs about 5 vault calls (measured: 51 for these 10). A
    // throttled attempt keeps the copies it made and the flow narrows, so the answered calls stay
    // within a few times that: 62 to 76 measured on an idle machine, 200 in CI's full suite (162
    // refused, 63.6 s). Before both, every rerun redid every copy: 626 answered, 208 s. The bound
    // catches that retry storm; the flow's own pacing is proven exactly in
    // test/orchestrations/rotateKeyVersion.test.ts against a modelled quota.
    expect(log.length - throttled).toBeLessThanOrEqual(30 * ENVIRONMENTS);
    expect(op.body, JSON.stringify(op.body)).toMatchObject({ status: "Succeeded", keyId: rotated.id, progress: { done: ENVIRONMENTS, total: ENVIRONMENTS } });
    for (const { id, data } of envs) {
      const env = await getEnvironment(kw, id);
      expect(env.state).toBe("Enabled");
      expect(env.encryption).toMatchObject({ status: "Encrypted", keyId: rotated.id });
      const ring = await keyRing(id);
      const copies = [...ring.deks.filter((d) => d.state !== "retired").flatMap((d) => d.wrapped), ...ring.indexKey.wrapped];
      expect(new Set(copies.map((c) => c.keyId))).toEqual(new Set([rotated.id]));
      await expectData(kw, id, data);
    }
    const alerts = (await kw.keysAdmin("GET", "alerts")).body.value as { kind: string }[];
    expect(alerts.filter((a) => a.kind === "KeyAccessLost")).toEqual([]);
  }, 300_000);
});
