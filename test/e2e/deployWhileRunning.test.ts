// A new version deployed while an operation runs: the operation's orchestration was started by
// the previous code (its input stamped with that code version), so its next replay on this code
// refuses to run and it fails at once, saying why, instead of replaying divergently. The operation
// then reads Failed (CodeVersionMismatch), the environment is usable and free, and running the
// operation again completes on the new code with every record intact.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { codeVersion, setCodeVersion } from "../../shared/operations/codeVersion";
import { getEnvironment, waitForOperation } from "../support/environments";
import { services } from "../../shared/services";
import { LOCAL_TENANT_ID } from "../../local/issuer";

let kw: Keyward;

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" });
});
afterAll(async () => kw?.stop());

describe("deploying a new version while an operation runs", () => {
  it("fails the old operation clearly, frees its environment, and a rerun completes", async () => {
    const deployed = codeVersion();
    expect(deployed).toMatch(/^[0-9a-f]{16}$/); // app.ts stamped this run's orchestration code
    const { policy } = await kw.customerPolicy();
    const env = await kw.environment();
    for (let i = 0; i < 30; i++) expect((await kw.user("PUT", `environments/${env}/records/t/r${i}`, { i })).status).toBeLessThan(300);

    // Started by the "previous deployment", then this code takes over.
    setCodeVersion("0000previous0000");
    const add = await kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env] });
    setCodeVersion(deployed);
    expect(add.status).toBe(202);
    const operationId = add.body.operations[0].operationId as string;

    const failed = await waitForOperation(kw, operationId, { timeoutMs: 60_000 });
    expect(failed.status).toBe("Failed");
    expect(failed.error.code).toBe("CodeVersionMismatch");
    expect(failed.error.message).toContain(`was started by keyward code version 0000previous0000 and this deployment runs ${deployed}`);
    const freed = await getEnvironment(kw, env);
    expect(freed.encryption.activeOperationId).toBeUndefined();
    expect(freed.encryption.status).toBe("Failed");
    for (let i = 0; i < 30; i += 7) expect((await kw.user("GET", `environments/${env}/records/t/r${i}`)).body.value).toEqual({ i });

    const rerun = await kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env] });
    expect(rerun.status).toBe(202);
    const done = await kw.until("Encrypted", () => getEnvironment(kw, env), (e) => ["Encrypted", "Failed", "Warning"].includes(e.encryption.status) && !e.encryption.activeOperationId, 120_000);
    expect(done.encryption.status).toBe("Encrypted");
    for (let i = 0; i < 30; i++) expect((await kw.user("GET", `environments/${env}/records/t/r${i}`)).body.value).toEqual({ i });
  }, 240_000);

  it("settles an operation whose orchestration is in another task hub (KEYWARD_TASK_HUB changed), once well past its start", async () => {
    const env = await kw.environment();
    const state = services().state.forTenant(LOCAL_TENANT_ID);
    const old = "0ld0pera-0000-4000-8000-000000000001";
    const startedAt = new Date(Date.now() - 60 * 60_000).toISOString();
    await state.recordOperation({ operationId: old, environmentId: env, operation: "Update Customer Managed Key", kind: "AddToPolicy", status: "Running", startedAt, steps: [], instanceId: old, requestedBy: "someone" });
    await state.updateEnvironment(env, (e) => ({ ...e, encryption: { ...e.encryption, activeOperationId: old } }));

    const op = (await kw.platformAdmin("GET", `operations/${old}`)).body;
    expect(op.status).toBe("Failed");
    expect(op.error.code).toBe("OrchestrationNotInTaskHub");
    expect((await getEnvironment(kw, env)).encryption.activeOperationId).toBeUndefined();

    // One just started (its instance not yet written) is left alone.
    const fresh = "fre5hop0-0000-4000-8000-000000000002";
    await state.recordOperation({ operationId: fresh, environmentId: env, operation: "Update Customer Managed Key", kind: "AddToPolicy", status: "Running", startedAt: new Date().toISOString(), steps: [], instanceId: fresh, requestedBy: "someone" });
    expect((await kw.platformAdmin("GET", `operations/${fresh}`)).body.status).toBe("Running");
  });
});
