// An operation's history entry, as the History page shows it: steps (upserted by name, so a
// retried write leaves the same record), progress, and its end (only the first end counts).
import type { AppServices } from "../appServices";
import { UPDATE_CMK, type OperationRecord, type OperationStep } from "../state/history";
import type { RecordOperationInput, StepUpdate } from "./contracts";
import { operationRecorded } from "./operationTelemetry";

export function upsertStep(steps: OperationStep[], step: StepUpdate, now: string): OperationStep[] {
  const ended = step.status !== "Running" ? { endedAt: now } : {};
  const detail = step.detail ? { detail: step.detail } : {};
  const i = steps.findIndex((s) => s.name === step.name);
  if (i === -1) return [...steps, { name: step.name, status: step.status, startedAt: now, ...ended, ...detail }];
  return steps.map((s, j) => (j === i ? { ...s, status: step.status, ...ended, ...detail } : s));
}

export async function recordOperation(deps: Pick<AppServices, "state">, input: RecordOperationInput): Promise<void> {
  const state = deps.state.forTenant(input.tenantId);
  const now = new Date().toISOString();
  if (input.createAs && !(await state.getOperation(input.operationId))) {
    const first: OperationRecord = {
      operationId: input.operationId, environmentId: input.environmentId, operation: UPDATE_CMK,
      kind: input.createAs.kind, status: "Running", startedAt: now, steps: [], policy: input.createAs.policy,
    };
    await state.recordOperation(first);
  }
  const updated = await state.updateOperation(input.operationId, (op) => ({
    ...op,
    steps: input.step ? upsertStep(op.steps, input.step, now) : op.steps,
    progress: input.progress ?? op.progress,
    ...(input.end && op.status === "Running" ? { status: input.end.status, endedAt: now } : {}),
    ...(input.end?.error ? { error: input.end.error } : {}),
  }));
  operationRecorded(input, updated?.startedAt);
}
