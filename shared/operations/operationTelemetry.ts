// Custom events and metrics of the long-running operations, for Application Insights:
//   keyward.operation.start     an operation was accepted and its orchestration started
//   keyward.operation.step      a step began, succeeded or failed (Prepare key, Re-encrypt records...)
//   keyward.operation.progress  (metric) items done, with the total, as the re-encryption advances
//   keyward.operation.end       (event) and keyward.operation.duration (metric, s)
//   keyward.rotation.start / keyward.rotation.environment   a key-version rotation and each re-wrap
//   keyward.reencrypt.items     (metric) items one re-encryption activity looked at
// Lock and unlock are tracked where they happen (shared/locking/lockState.ts). Properties are ids,
// names, statuses and counts only.
import { trackEvent, trackMetric } from "../telemetry";
import type { RecordOperationInput } from "./contracts";

export function operationStarted(op: { operationId: string; environmentId: string; kind: string; policy?: string; targetPolicy?: string }): void {
  trackEvent("keyward.operation.start", {
    operationId: op.operationId, environmentId: op.environmentId, kind: op.kind,
    ...(op.policy ? { policy: op.policy } : {}), ...(op.targetPolicy ? { targetPolicy: op.targetPolicy } : {}),
  });
}

/** Called with every write of an operation's history entry (shared/operations/operationRecord.ts). */
export function operationRecorded(input: RecordOperationInput, startedAt?: string): void {
  const ids = { operationId: input.operationId, environmentId: input.environmentId };
  if (input.step) trackEvent("keyward.operation.step", { ...ids, step: input.step.name, stepStatus: input.step.status });
  if (input.progress) {
    trackMetric("keyward.operation.progress", input.progress.done, { ...ids, total: input.progress.total, unit: input.progress.unit });
  }
  if (input.end) {
    trackEvent("keyward.operation.end", { ...ids, status: input.end.status });
    if (startedAt) trackMetric("keyward.operation.duration", (Date.now() - Date.parse(startedAt)) / 1000, { ...ids, result: input.end.status });
  }
}

export function rotationStarted(policy: string, instanceId: string): void {
  trackEvent("keyward.rotation.start", { policy, operationId: instanceId });
}

export function environmentRewrapped(input: { operationId: string; environmentId: string; policy: string; outcome: string; rewrapped: number }): void {
  trackEvent("keyward.rotation.environment", { ...input });
}

export function partitionReencrypted(input: { operationId: string; environmentId: string; store: string; scanned: number; rewritten: number }): void {
  trackMetric("keyward.reencrypt.items", input.scanned, { operationId: input.operationId, environmentId: input.environmentId, store: input.store, rewritten: input.rewritten });
}
