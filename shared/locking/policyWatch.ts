// Starting a watch of a policy's key after an event (orchestrations/watchPolicyAccess.ts). One
// instance per policy and minute: a burst of events starts one watch, a later event starts
// another (a watch already running in that minute covers it), and overlapping watches cost
// little, as their probes go through the reconcile gate.
import { createHash } from "node:crypto";
import type { DurableClient } from "durable-functions";
import { DEFAULT_ACTIVITY_RETRY, type WatchPolicyAccessInput } from "../operations/contracts";
import type { NamedOrchestration } from "../operations/startOperation";
import { settings } from "../settings";
import { startOnce } from "../operations/startOnce";

/** The first re-probe comes this soon after the one at once; then the interval doubles. */
const FIRST_INTERVAL_MS = 250;

export function watchInstanceId(policy: { tenantId: string; name: string }, now: number): string {
  const owner = createHash("sha256").update(`${policy.tenantId}|${policy.name}`).digest("hex").slice(0, 16);
  return `watch-${owner}-${Math.floor(now / 60_000)}`;
}

export async function watchPolicy(client: DurableClient, orchestration: NamedOrchestration<WatchPolicyAccessInput>, policy: { tenantId: string; name: string }, trigger: string, now = Date.now()): Promise<{ instanceId: string; started: boolean }> {
  const s = settings();
  const instanceId = watchInstanceId(policy, now);
  const existing = await client.getStatus(instanceId).catch(() => undefined);
  if (existing?.name && ["Running", "Pending", "ContinuedAsNew"].includes(String(existing.runtimeStatus))) return { instanceId, started: false };
  const input: WatchPolicyAccessInput = {
    tenantId: policy.tenantId, policy: policy.name, trigger,
    until: new Date(now + s.eventReprobeMinutes * 60_000).toISOString(),
    firstIntervalMs: Math.min(FIRST_INTERVAL_MS, s.eventReprobeMaxIntervalMs), maxIntervalMs: s.eventReprobeMaxIntervalMs,
    retry: { ...DEFAULT_ACTIVITY_RETRY, firstRetryIntervalMs: 250, maxAttempts: 2 },
  };
  return { instanceId, started: await startOnce(client, orchestration.name, instanceId, input) };
}
