// A key-version rotation as GET /api/operations/{operationId} shows it. A rotation belongs to a
// policy, not to one environment, so it has no history entry of its own (each environment it
// re-wraps gets one); its operation id is its orchestration instance id, and its status is read
// from the instance: runtime status, output, and the progress in customStatus.
import type { DurableOrchestrationStatus } from "durable-functions";
import type { RotateInput } from "./contracts";

interface RotationOutput {
  status?: "Succeeded" | "Failed";
  keyId?: string;
  environments?: number;
  rewrapped?: number;
  failed?: { code?: string; message?: string }[];
  error?: { code: string; message: string };
}

interface RotationCustomStatus {
  keyId?: string;
  progress?: { done: number; total: number; unit: string };
}

/** The operation view of one tenant's rotation instance; undefined for any other orchestration, or another tenant's. */
export function rotationOperationView(instance: DurableOrchestrationStatus, rotationName: string, tenantId: string): Record<string, unknown> | undefined {
  if (instance.name !== rotationName) return undefined;
  const input = (instance.input ?? {}) as Partial<RotateInput>;
  if (input.tenantId !== tenantId) return undefined;
  const output = (instance.output ?? {}) as RotationOutput;
  const custom = (instance.customStatus ?? {}) as RotationCustomStatus;
  const runtime = String(instance.runtimeStatus);
  const finished = ["Completed", "Failed", "Terminated", "Canceled"].includes(runtime);
  const status = !finished ? "Running" : runtime === "Completed" && output.status === "Succeeded" ? "Succeeded" : "Failed";
  const failure = output.error ?? output.failed?.[0];
  return {
    operationId: instance.instanceId,
    environmentId: null,
    operation: "Update Customer Managed Key",
    kind: "RotateKeyVersion",
    status,
    startedAt: new Date(instance.createdTime).toISOString(),
    endedAt: finished ? new Date(instance.lastUpdatedTime).toISOString() : null,
    steps: [],
    progress: custom.progress ?? null,
    error: status === "Failed" ? { code: failure?.code ?? runtime, message: failure?.message ?? `The rotation ended ${runtime}.` } : null,
    ...(input.policy ? { policy: input.policy } : {}),
    ...(output.keyId ?? custom.keyId ? { keyId: output.keyId ?? custom.keyId } : {}),
  };
}
