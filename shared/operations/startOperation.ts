// Starting a long-running operation on an environment: claim the environment's one operation
// slot (atomically, so a second request gets 409 naming the first), write the history entry,
// start the orchestration with the operation id as its instance id. If the start fails, the
// claim is released and the history entry says why.
import { randomUUID } from "node:crypto";
import type { DurableClient } from "durable-functions";
import { services } from "../services";
import { settings } from "../settings";
import { requireNoOperation } from "./admission";
import { UPDATE_CMK, type OperationKind } from "../state/history";
import type { EncryptionStatus, Environment } from "../domain/environment";
import type { RetryPolicy } from "./contracts";
import { DEFAULT_RETRY } from "./contracts";
import { operationStarted } from "./operationTelemetry";

export function retryFromSettings(): RetryPolicy {
  const s = settings();
  return { ...DEFAULT_RETRY, firstRetryIntervalMs: s.activityFirstRetryMs, maxAttempts: s.activityMaxAttempts };
}

export interface OperationStart {
  environmentId: string;
  kind: OperationKind;
  orchestration: string;
  /** Status the environment shows from the moment the request is accepted. */
  initialStatus: EncryptionStatus;
  /** The policy the environment is on (or joins) while the operation runs. */
  policy?: string;
  targetPolicy?: string;
  requestedBy: string;
  operationName?: string;
  input: (operationId: string) => unknown;
}

export async function startEnvironmentOperation(client: DurableClient, start: OperationStart): Promise<{ environmentId: string; operationId: string }> {
  const { state } = services();
  const operationId = randomUUID();
  const now = new Date().toISOString();
  await state.updateEnvironment(start.environmentId, (e: Environment) => {
    requireNoOperation(e);
    return {
      ...e,
      encryption: {
        ...e.encryption, activeOperationId: operationId, status: start.initialStatus, policy: start.policy ?? e.encryption.policy,
        progress: undefined, warning: undefined,
      },
    };
  });
  await state.recordOperation({
    operationId, environmentId: start.environmentId, operation: start.operationName ?? UPDATE_CMK, kind: start.kind, status: "Running",
    startedAt: now, steps: [], instanceId: operationId, policy: start.policy, targetPolicy: start.targetPolicy, requestedBy: start.requestedBy,
  });
  try {
    await client.startNew(start.orchestration, { instanceId: operationId, input: start.input(operationId) });
  } catch (err) {
    const message = `The operation could not be started: ${err instanceof Error ? err.message : String(err)}`;
    await state.updateOperation(operationId, (op) => ({ ...op, status: "Failed", endedAt: new Date().toISOString(), error: { code: "StartFailed", message } }));
    await state.updateEnvironment(start.environmentId, (e) => ({ ...e, encryption: { ...e.encryption, activeOperationId: undefined, status: "Failed" } }));
    throw err;
  }
  operationStarted({ operationId, environmentId: start.environmentId, kind: start.kind, policy: start.policy, targetPolicy: start.targetPolicy });
  return { environmentId: start.environmentId, operationId };
}
