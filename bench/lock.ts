// lock: how long after the customer deletes the policy's role assignment on their vault the data
// API starts answering 423 Locked. Twice: with the vault's Event Grid events delivered (the
// role-assignment deletion event makes keyward re-probe at once), and with the event
// subscription disabled, so only the key health probe timer (every --probe-seconds) finds it.
//
// A reader calls GET on a record over HTTP, back to back, from just before the deletion until
// the first 423; the figure is the time from the deletion call to that answer. Between samples
// the grant is restored and the environment unlocks (by event or probe) before the next one.
// The probe fires on a fixed schedule, so a sample that starts right after the previous one
// (unlocked moments ago) would hit the same phase of it every time: each probe-alone sample
// waits a random part of the interval first, so the mean estimates the expected delay.
// Which trigger locked each time is read back from the environment's history, so a sample the
// timer won while events were on is visible in the notes.
//
// Third, with Azure-like role propagation (the vault applies the deletion 5 s late, and raises no
// event when it does): the event's probe finds the key still healthy and the DEK cache keeps
// reads working, so only the watch the event starts (re-probes about every second) can lock in
// time. That figure is measured from the vault's first refusal of the policy (its request log).
import { randomInt } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { EVENT_FUNCTIONS } from "../local/stack";
import { round, until, type BenchContext, type CustomerPolicy } from "./support";
import type { Section } from "./section";

const ROLE = "Key Vault Crypto Service Encryption User";

async function lockedTrigger(ctx: BenchContext, env: string): Promise<string> {
  const history = (await ctx.expect(200, "Platform.Admin", "GET", `environments/${env}/history`)).value as { kind: string; steps: { detail?: string }[] }[];
  const detail = history.find((h) => h.kind === "Lock")?.steps[0]?.detail ?? "";
  return /\(([^()]*)\)$/.exec(detail)?.[1] ?? "unknown";
}

async function readsUntil(ctx: BenchContext, env: string, status: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const res = await ctx.call("Environment.User", "GET", `environments/${env}/records/t0/r0`);
    if (res.status === status) return performance.now();
    if (performance.now() > deadline) throw new Error(`environment ${env} never answered ${status}; last ${res.status} ${JSON.stringify(res.body)}`);
  }
}

async function sample(ctx: BenchContext, customer: CustomerPolicy, env: string, timeoutMs: number, randomStartMs = 0): Promise<{ ms: number; trigger: string }> {
  await readsUntil(ctx, env, 200, 60_000);
  if (randomStartMs > 0) await delay(randomInt(randomStartMs));
  const started = performance.now();
  await ctx.management.deleteRoleAssignment(customer.assignmentId);
  const locked = await readsUntil(ctx, env, 423, timeoutMs);
  return { ms: locked - started, trigger: await lockedTrigger(ctx, env) };
}

async function restore(ctx: BenchContext, customer: CustomerPolicy, env: string): Promise<void> {
  await ctx.management.putRoleAssignment(customer.assignmentId, { principalId: customer.principalId, roleDefinitionName: ROLE, scope: customer.vaultId });
  // Events or the probe unlock it; asking keeps the run short when neither has yet.
  await until(`environment ${env} unlocked`, async () => {
    const e = (await ctx.call("Platform.Admin", "GET", `environments/${env}`)).body;
    if (e?.state === "Locked") await ctx.call("Platform.Admin", "POST", `environments/${env}/unlock`);
    return e;
  }, (e) => e?.state === "Enabled", 120_000, 200);
}

async function setResourceEvents(ctx: BenchContext, enabled: boolean): Promise<void> {
  await ctx.management.putEventSubscription("resources", {
    endpoint: `${ctx.stack.baseUrl}/runtime/webhooks/eventgrid?functionName=${EVENT_FUNCTIONS.resources}&code=${encodeURIComponent(ctx.stack.runtime.systemKeys.eventgrid)}`, enabled,
    eventTypes: ["Microsoft.Resources.ResourceDeleteSuccess", "Microsoft.Resources.ResourceWriteSuccess"],
  });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const PROPAGATION_SECONDS = 5;

/** One sample with role propagation on: ms from the vault's first refusal (and from the change applying) to the first 423. */
async function samplePropagated(ctx: BenchContext, customer: CustomerPolicy, env: string): Promise<{ fromRefusal: number; fromApplied: number; trigger: string }> {
  await readsUntil(ctx, env, 200, 60_000);
  const { lastSeq } = await ctx.management.requests();
  const deletedAt = Date.now();
  await ctx.management.deleteRoleAssignment(customer.assignmentId);
  await readsUntil(ctx, env, 423, 120_000);
  const lockedAt = Date.now();
  const refusal = (await ctx.management.requests(lastSeq)).value.find((r) => r.principal === customer.principalId && r.status === 403);
  if (!refusal) throw new Error("the environment locked, but the vault never refused the policy");
  return { fromRefusal: lockedAt - Date.parse(refusal.time), fromApplied: lockedAt - (deletedAt + PROPAGATION_SECONDS * 1000), trigger: await lockedTrigger(ctx, env) };
}

export const lock: Section = async (ctx, options) => {
  const customer = await ctx.customerPolicy("lock");
  const env = await ctx.environment("lock");
  await ctx.seedRecords(env, 4, options.recordBytes);
  const [op] = await ctx.addToPolicy(customer.policy, [env]);
  await ctx.waitForOperation(op);
  const samples = options.tiny ? 1 : 3;

  const withEvents: { ms: number; trigger: string }[] = [];
  for (let i = 0; i < samples; i++) {
    withEvents.push(await sample(ctx, customer, env, 60_000));
    await restore(ctx, customer, env);
  }
  const probeOnly: { ms: number; trigger: string }[] = [];
  await setResourceEvents(ctx, false);
  try {
    for (let i = 0; i < samples; i++) {
      probeOnly.push(await sample(ctx, customer, env, options.probeSeconds * 1000 * 3 + 30_000, options.probeSeconds * 1000));
      await restore(ctx, customer, env);
    }
  } finally {
    await setResourceEvents(ctx, true);
  }
  const propagated: { fromRefusal: number; fromApplied: number; trigger: string }[] = [];
  await ctx.management.setBehaviour({ rolePropagationSeconds: PROPAGATION_SECONDS });
  try {
    for (let i = 0; i < samples; i++) {
      propagated.push(await samplePropagated(ctx, customer, env));
      await restore(ctx, customer, env);
      // The grant takes effect late too: wait until the vault serves the policy again.
      await ctx.management.waitForRolePropagation(customer.assignmentId);
    }
  } finally {
    await ctx.management.setBehaviour({ rolePropagationSeconds: 0 });
  }
  const describe = (xs: { ms: number; trigger: string }[]) => xs.map((x) => `${Math.round(x.ms)} ms by ${x.trigger}`).join("; ");
  return {
    figures: {
      msWithEvents: { value: round(mean(withEvents.map((x) => x.ms)), 1), unit: `ms deletion -> first 423, events on (mean of ${samples})` },
      msProbeOnly: { value: round(mean(probeOnly.map((x) => x.ms)), 1), unit: `ms deletion -> first 423, probe alone (mean of ${samples})` },
      msFromFirstRefusal5sPropagation: { value: round(Math.max(...propagated.map((x) => x.fromRefusal)), 1), unit: `ms from the vault's first refusal to the first 423, role propagation ${PROPAGATION_SECONDS} s, events on (worst of ${samples}; must be <= 2000)` },
      msFromChangeApplied5sPropagation: { value: round(Math.max(...propagated.map((x) => x.fromApplied)), 1), unit: `ms from the deletion taking effect (deletion + ${PROPAGATION_SECONDS} s) to the first 423 (worst of ${samples})` },
      probeIntervalSeconds: { value: options.probeSeconds, unit: "s between key health probes in this run (production default 60)" },
    },
    notes: [
      `with events: ${describe(withEvents)}`, `probe alone: ${describe(probeOnly)}`,
      `${PROPAGATION_SECONDS} s propagation: ${propagated.map((x) => `${x.fromRefusal} ms after the first refusal (${x.fromApplied} ms after the change applied) by ${x.trigger}`).join("; ")}`,
    ],
  };
};
