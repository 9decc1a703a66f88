// Starting a key-version rotation for a policy: from the KeyNewVersionCreated event, the daily
// sweep, or by hand. One instance per (policy, key version), so a repeated event or a sweep that
// overlaps an event starts nothing twice.
import { createHash } from "node:crypto";
import type { DurableClient } from "durable-functions";
import { DEFAULT_ACTIVITY_RETRY, type RotateInput } from "./contracts";
import type { NamedOrchestration } from "./startOperation";
import { parseKeyId } from "../keyvault";
import { rotationStarted } from "./operationTelemetry";
import { stampCodeVersion } from "./codeVersion";
import { settings } from "../settings";
import { startOnce } from "./startOnce";

/** One instance per tenant's policy and key version; the tenant and policy as a hash keeps the id short and names nothing. */
export function rotationInstanceId(policy: { tenantId: string; name: string }, keyId?: string): string {
  const version = keyId ? parseKeyId(keyId).version ?? "latest" : `latest-${Date.now()}`;
  const owner = createHash("sha256").update(`${policy.tenantId}|${policy.name}`).digest("hex").slice(0, 16);
  return `rotate-${owner}-${version}`;
}

/** Returns the instance id; an instance that already exists for that version is left alone. */
export async function startRotation(client: DurableClient, orchestration: NamedOrchestration<RotateInput>, policy: { tenantId: string; name: string }, keyId?: string): Promise<{ instanceId: string; started: boolean }> {
  const instanceId = rotationInstanceId(policy, keyId);
  const existing = await client.getStatus(instanceId).catch(() => undefined);
  if (existing && existing.runtimeStatus !== undefined && existing.name) return { instanceId, started: false };
  const input: RotateInput = { operationId: instanceId, tenantId: policy.tenantId, policy: policy.name, keyId, retry: DEFAULT_ACTIVITY_RETRY, parallelism: settings().rotationParallelism };
  if (!(await startOnce(client, orchestration.name, instanceId, stampCodeVersion(input)))) return { instanceId, started: false };
  rotationStarted(policy.name, instanceId);
  return { instanceId, started: true };
}
