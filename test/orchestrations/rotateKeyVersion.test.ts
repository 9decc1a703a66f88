// Rotation to a new key version: resolve the version and the environments on the policy, re-wrap
// each environment's DEKs in one fan-out, and say which failed.
import { describe, expect, it } from "vitest";
import { COMPLETIONS_PER_EXECUTION, MAX_THROTTLED_ATTEMPTS, rotateKeyVersion, throttleWaitMs, type RotationResult } from "../../orchestrations/rotateKeyVersion";
import type { RotateInput } from "../../shared/operations/contracts";
import { runOrchestration } from "./support/driver";
import type { OrchestrationRun } from "./support/orchestrationRun";
import { alwaysThrows, type ActivityStubs } from "./support/activityStubs";
import { TEST_RETRY } from "./support/rekeyWorld";

const NEW_VERSION = "https://contoso.vault.azure.net/keys/cmk/v3";
const input: RotateInput = { operationId: "rot-1", tenantId: "tenant-1", policy: "contoso", keyId: "https://contoso.vault.azure.net/keys/cmk/v2", retry: TEST_RETRY };

function stubs(environmentIds: string[], overrides: ActivityStubs = {}): ActivityStubs {
  return {
    resolveKeyVersion: () => ({ outcome: "ok", keyId: NEW_VERSION, environments: environmentIds.map((environmentId) => ({ tenantId: "tenant-1", environmentId, dataId: `data-${environmentId}` })) }),
    rewrapEnvironment: (i) => ({ outcome: "ok", rewrapped: i.environmentId.length, environmentId: i.environmentId }),
    ...overrides,
  };
}

const rotate = (s: ActivityStubs, i: RotateInput = input): Promise<OrchestrationRun<RotationResult>> => runOrchestration(rotateKeyVersion, i, { instanceId: "rot-1", stubs: s });

describe("key version rotation", () => {
  it("re-wraps every environment under the resolved version, in one fan-out: Succeeded", async () => {
    const run = await rotate(stubs(["env-a", "env-bb", "env-ccc"]));
    expect(run.inputsTo("resolveKeyVersion")).toEqual([{ tenantId: "tenant-1", policy: "contoso", keyId: input.keyId }]);
    // The version resolveKeyVersion chose (the newest), not the one the event named.
    expect(run.inputsTo("rewrapEnvironment")).toEqual(["env-a", "env-bb", "env-ccc"].map((environmentId) => ({ operationId: "rot-1", tenantId: "tenant-1", environmentId, dataId: `data-${environmentId}`, policy: "contoso", keyId: NEW_VERSION })));
    expect(run.output).toEqual({ status: "Succeeded", keyId: NEW_VERSION, environments: 3, rewrapped: 5 + 6 + 7, failed: [] });
    expect(run.customStatuses()).toEqual([
      { keyId: NEW_VERSION, progress: { done: 0, total: 3, unit: "environments" } },
      { keyId: NEW_VERSION, progress: { done: 3, total: 3, unit: "environments" }, rewrapped: 18 },
    ]);
  });

  it("asks for the latest version when none is named", async () => {
    const run = await rotate(stubs(["env-a"]), { ...input, keyId: undefined });
    expect(run.inputsTo("resolveKeyVersion")).toEqual([{ tenantId: "tenant-1", policy: "contoso" }]);
    expect(run.output.status).toBe("Succeeded");
  });

  it("some environments fail: Failed, naming each, counting only what was re-wrapped", async () => {
    const failures = {
      "env-b": { outcome: "AccessLost", code: "KeyAccessLost", message: "The key was disabled.", environmentId: "env-b" },
      "env-d": { outcome: "Refused", code: "NoKeyRing", message: "No key ring.", environmentId: "env-d" },
    } as const;
    const run = await rotate(stubs(["env-a", "env-b", "env-c", "env-d"], {
      rewrapEnvironment: (i) => failures[i.environmentId as keyof typeof failures] ?? { outcome: "ok", rewrapped: 2, environmentId: i.environmentId },
    }));
    expect(run.output).toEqual({ status: "Failed", keyId: NEW_VERSION, environments: 4, rewrapped: 4, failed: [failures["env-b"], failures["env-d"]] });
    expect(run.lastCustomStatus()).toEqual({ keyId: NEW_VERSION, progress: { done: 2, total: 4, unit: "environments" }, rewrapped: 4 });
  });

  it.each([
    { outcome: "AccessLost", code: "KeyAccessLost", message: "The key was deleted." },
    { outcome: "Refused", code: "PolicyNotFound", message: "There is no policy 'contoso'." },
  ] as const)("resolving the version fails ($outcome): Failed, nothing re-wrapped, no progress", async (failure) => {
    const run = await rotate(stubs(["env-a"], { resolveKeyVersion: () => failure }));
    expect(run.output).toEqual({ status: "Failed", error: { code: failure.code, message: failure.message } });
    expect(run.callsTo("rewrapEnvironment")).toEqual([]);
    expect(run.customStatuses()).toEqual([]);
  });

  it("an environment whose re-wrap exhausts its retries fails the instance, after every environment was tried", async () => {
    const run = await rotate(stubs(["env-a", "env-b"], {
      rewrapEnvironment: (i) => (i.environmentId === "env-a" ? alwaysThrows("vault throttled")() : { outcome: "ok", rewrapped: 1, environmentId: i.environmentId }),
    }));
    expect(run.status).toBe("Failed");
    expect(run.error.message).toMatch(/^vault throttled/);
    expect(run.callsTo("rewrapEnvironment").map((c) => [c.input.environmentId, c.attempt])).toEqual([["env-a", 1], ["env-a", 2], ["env-a", 3], ["env-b", 1]]);
  });

  it("no environments on the policy: Succeeded with nothing to do", async () => {
    const run = await rotate(stubs([]));
    expect(run.output).toEqual({ status: "Succeeded", keyId: NEW_VERSION, environments: 0, rewrapped: 0, failed: [] });
  });


  it("continues as new every few hundred completions: no execution's history grows with the policy's size", async () => {
    const largest = async (count: number) => {
      const ids = Array.from({ length: count }, (_, i) => `env-${i}`);
      let call = 0;
      // Every ninth call throttled, every hundredth environment refused: state that must cross executions.
      const run = await rotate(stubs(ids, {
        rewrapEnvironment: (i) => (++call % 9 === 0 ? { outcome: "Throttled", code: "Throttled", message: "Too many requests.", environmentId: i.environmentId }
          : i.environmentId.endsWith("00") ? { outcome: "Refused", code: "NoKeyRing", message: "No key ring.", environmentId: i.environmentId }
            : { outcome: "ok", rewrapped: 2, environmentId: i.environmentId }),
      }), { ...input, parallelism: 16 });
      const refused = ids.filter((id) => id.endsWith("00"));
      expect(run.output).toMatchObject({ status: "Failed", environments: count, rewrapped: 2 * (count - refused.length) });
      expect(run.output.failed!.map((f) => f.environmentId)).toEqual(refused); // in the policy's order
      expect(run.lastCustomStatus()).toMatchObject({ progress: { done: count - refused.length, total: count } });
      expect(new Set(run.callsTo("rewrapEnvironment").map((c) => c.input.environmentId)).size).toBe(count);
      const executions = run.record.executions.filter((e) => e.instanceId === "rot-1");
      return { executions: executions.length, yields: Math.max(...executions.map((e) => e.yields)) };
    };
    const small = await largest(300);
    const large = await largest(3000);
    expect(small.executions).toBeGreaterThan(1);
    expect(large.executions).toBeGreaterThan(3000 / COMPLETIONS_PER_EXECUTION);
    // Each execution handles at most COMPLETIONS_PER_EXECUTION completions (plus a few timers).
    expect(large.yields).toBeLessThanOrEqual(small.yields + 20);
    expect(large.yields).toBeLessThan(2 * COMPLETIONS_PER_EXECUTION);
  });

  describe("within the vault's quota", () => {
    const throttled = (environmentId: string, retryAfterMs?: number) =>
      ({ outcome: "Throttled", code: "Throttled", message: "Too many requests.", environmentId, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }) as const;
    const ok = (environmentId: string) => ({ outcome: "ok", rewrapped: 1, environmentId }) as const;
    const order = (run: OrchestrationRun<RotationResult>) => run.callsTo("rewrapEnvironment").map((c) => c.input.environmentId);

    it("re-wraps at most `parallelism` environments at once: a throttle pauses only those not yet started", async () => {
      const calls = new Map<string, number>();
      const s = stubs(["env-a", "env-b", "env-c", "env-d", "env-e"], {
        rewrapEnvironment: (i) => {
          const n = (calls.get(i.environmentId) ?? 0) + 1;
          calls.set(i.environmentId, n);
          return i.environmentId === "env-a" && n === 1 ? throttled(i.environmentId, 3000) : ok(i.environmentId);
        },
      });
      // Two at a time: env-b was running when env-a was throttled; env-c waits for the timer.
      const two = await rotate(s, { ...input, parallelism: 2 });
      expect(order(two)).toEqual(["env-a", "env-b", "env-a", "env-c", "env-d", "env-e"]);
      calls.clear();
      const three = await rotate(s, { ...input, parallelism: 3 });
      expect(order(three)).toEqual(["env-a", "env-b", "env-c", "env-a", "env-d", "env-e"]);
      for (const run of [two, three]) {
        expect(run.output).toMatchObject({ status: "Succeeded", environments: 5, rewrapped: 5, failed: [] });
        // One durable timer, for exactly the vault's Retry-After.
        expect(run.timers).toHaveLength(1);
        expect(Date.parse(run.timers[0].fireAt) - Date.parse(run.calls.find((c) => c.name === "rewrapEnvironment")!.at)).toBe(3000);
        expect(run.lastCustomStatus()).toMatchObject({ progress: { done: 5, total: 5 }, throttled: 1 });
      }
    });

    it("without a Retry-After, waits 1 s, 2 s, 4 s ... while the vault keeps refusing, then goes on: zero errors", async () => {
      let refusals = 4;
      const run = await rotate(stubs(["env-a", "env-b"], {
        rewrapEnvironment: (i) => (refusals-- > 0 ? throttled(i.environmentId) : ok(i.environmentId)),
      }), { ...input, parallelism: 1 });
      expect(run.output).toMatchObject({ status: "Succeeded", environments: 2, rewrapped: 2, failed: [] });
      const waits = run.timers.map((t) => Date.parse(t.fireAt) - Date.parse(t.createdAt));
      expect(waits).toEqual([1000, 2000, 4000, 8000]);
      expect(throttleWaitMs(10)).toBe(30_000);
      expect(throttleWaitMs(3, 1500)).toBe(1500);
    });

    it("an environment the vault throttles every time is reported (not locked, not thrown) and the rest finish", async () => {
      const run = await rotate(stubs(["env-a", "env-b"], {
        rewrapEnvironment: (i) => (i.environmentId === "env-a" ? throttled(i.environmentId, 100) : ok(i.environmentId)),
      }));
      expect(run.callsTo("rewrapEnvironment").filter((c) => c.input.environmentId === "env-a")).toHaveLength(MAX_THROTTLED_ATTEMPTS);
      expect(run.output).toMatchObject({ status: "Failed", environments: 2, rewrapped: 1 });
      expect(run.output.failed).toEqual([expect.objectContaining({ outcome: "Throttled", environmentId: "env-a", message: expect.stringContaining("rotate again") })]);
    });

    it("at the vault's quota, runs fewer at once instead of throttling the same environments over and over", async () => {
      // A vault that admits 4 re-wraps per 10 s of the orchestration's clock, 40 environments.
      const admitted: number[] = [];
      const vault = (environmentId: string, at: string) => {
        const now = Date.parse(at);
        const inWindow = admitted.filter((t) => t > now - 10_000).length;
        if (inWindow >= 4) return throttled(environmentId);
        admitted.push(now);
        return ok(environmentId);
      };
      const ids = Array.from({ length: 40 }, (_, i) => `env-${i}`);
      const run = await rotate(stubs(ids, { rewrapEnvironment: (i, call) => vault(i.environmentId, call.at) }), { ...input, parallelism: 16 });
      expect(run.output).toMatchObject({ status: "Succeeded", environments: 40, rewrapped: 40, failed: [] });
      const refused = run.callsTo("rewrapEnvironment").filter((c) => c.result.ok && c.result.output.outcome === "Throttled").length;
      // The rotation needs 10 windows of 4. At full width each window refused 12 of 16 (124 in
      // all, measured before the width adapted); narrowed, what is refused is mostly the
      // back-off's probes of a full window (1 s, 2 s, 4 s...): at most 6 a window.
      const windows = ids.length / 4;
      expect(refused).toBeLessThanOrEqual(6 * windows);
    });

    it("a thousand environments under a throttling vault: every one re-wrapped, none failed", async () => {
      const ids = Array.from({ length: 1000 }, (_, i) => `env-${i}`);
      let call = 0;
      // Every seventh call is throttled (a vault at its quota), with and without Retry-After.
      const run = await rotate(stubs(ids, {
        rewrapEnvironment: (i) => (++call % 7 === 0 ? throttled(i.environmentId, call % 2 ? 500 : undefined) : ok(i.environmentId)),
      }), { ...input, parallelism: 16 });
      expect(run.output).toMatchObject({ status: "Succeeded", environments: 1000, rewrapped: 1000, failed: [] });
      expect(new Set(run.callsTo("rewrapEnvironment").map((c) => c.input.environmentId)).size).toBe(1000);
      expect(run.timers.length).toBeGreaterThan(0);
    });
  });
});
