import type { OperationRecord } from "../state/history";

/** An operation as the history and operation routes return it. */
export function operationView(op: OperationRecord): Record<string, unknown> {
  return {
    operationId: op.operationId,
    environmentId: op.environmentId,
    operation: op.operation,
    kind: op.kind,
    status: op.status,
    startedAt: op.startedAt,
    endedAt: op.endedAt ?? null,
    steps: op.steps,
    progress: op.progress ?? null,
    error: op.error ?? null,
    ...(op.policy ? { policy: op.policy } : {}),
    ...(op.targetPolicy ? { targetPolicy: op.targetPolicy } : {}),
  };
}
