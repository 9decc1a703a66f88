import type { OperationRecord } from "../state/history";
import { withoutInternalIds } from "../errors";

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
    // An operation's error comes from deep inside it: no internal identifier may reach the client.
    error: op.error ? { ...op.error, message: withoutInternalIds(op.error.message) } : null,
    ...(op.policy ? { policy: op.policy } : {}),
    ...(op.targetPolicy ? { targetPolicy: op.targetPolicy } : {}),
  };
}
