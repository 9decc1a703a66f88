// Lock within 2 s of the vault starting to refuse, with Azure-like role propagation (5 s here):
// the role-assignment event arrives at once but the vault still serves the policy for 5 s, so the
// probe the event triggers finds the key healthy. The watch the event starts re-probes about once
// a second, and locks soon after the vault's first refusal, not at the next probe timer (which is
// off here). The figure is measured from the vault's first refusal in its request log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { addToPolicyAndWait, getEnvironment, seedDataset, dataStatus } from "../support/environments";

const PROPAGATION_SECONDS = 5;
let kw: Keyward;

beforeAll(async () => {
  kw = await Keyward.start();
}, 120_000);
afterAll(async () => {
  await kw?.management.setBehaviour({ rolePropagationSeconds: 0 }).catch(() => undefined);
  await kw?.stop();
});

describe("lock after a role event, with role propagation", () => {
  it(`locks within 2 s of the vault's first refusal, ${PROPAGATION_SECONDS} s after the event`, async () => {
    const p = await kw.customerPolicy();
    const envs = [await kw.environment(), await kw.environment()];
    await addToPolicyAndWait(kw, p.policy, envs);
    await Promise.all(envs.map((e) => seedDataset(kw, e, { records: 2, files: 0 })));
    // The setup's own grants applied at once; from here on the vault applies role changes late.
    await kw.management.setBehaviour({ rolePropagationSeconds: PROPAGATION_SECONDS });
    const { lastSeq } = await kw.management.requests();

    const revokedAt = Date.now();
    await kw.revokeAssignment(p.assignmentId);
    // Poll the state through the admin API only: a data read's failed unwrap would lock too.
    await kw.until("every environment locked", () => Promise.all(envs.map((e) => getEnvironment(kw, e))), (all) => all.every((e) => e.state === "Locked"), 60_000);
    const lockedAt = Date.now();

    const asPolicy = (await kw.management.requests(lastSeq)).value.filter((r) => r.principal === p.principalId);
    const firstRefusal = asPolicy.find((r) => r.status === 403);
    expect(firstRefusal, "the vault refused the policy").toBeDefined();
    const refusedAt = Date.parse(firstRefusal!.time);
    // The vault served the policy for the propagation delay: the event's own probe found it healthy.
    expect(refusedAt - revokedAt).toBeGreaterThanOrEqual(PROPAGATION_SECONDS * 1000 - 500);
    expect(asPolicy.some((r) => r.status === 200 && Date.parse(r.time) < refusedAt)).toBe(true);
    // Seen by a poller (every 100 ms) on the admin API: an upper bound of when the lock landed.
    // The vault starts refusing PROPAGATION_SECONDS after it took the deletion, so no earlier than
    // revokedAt + that: measured from there, the latency is an upper bound too.
    const fromPropagation = lockedAt - (revokedAt + PROPAGATION_SECONDS * 1000);
    console.info(`[measure] role propagation ${PROPAGATION_SECONDS} s: the vault's first refusal came ${refusedAt - revokedAt} ms after the revocation; both environments locked at most ${lockedAt - refusedAt} ms after that refusal, ${fromPropagation} ms after the change applied`);
    expect(lockedAt - refusedAt).toBeLessThanOrEqual(2000);
    expect(fromPropagation).toBeLessThanOrEqual(2000);
    for (const e of envs) {
      const history = (await kw.platformAdmin("GET", `environments/${e}/history`)).body.value as { kind: string; steps: { detail?: string }[] }[];
      // A role event's watch locked (the setup's grant may have started the watch still running:
      // a watch names the event that started it).
      expect(history.find((h) => h.kind === "Lock")?.steps[0]?.detail).toMatch(/\(Microsoft\.Authorization\/roleAssignments\/(delete|write)\)$/);
      expect(await dataStatus(kw, e)).toBe(423);
    }
  }, 120_000);
});
