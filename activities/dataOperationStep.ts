// Activity: records a data operation's progress on its history entry (steps, progress, end,
// error) and, when the operation ends, frees the environment (its operation slot and the flag
// that keeps the data API at 503 during a restore, copy or reset).
import * as df from "durable-functions";
import { Activities } from "../shared/operations/names";
import type { DataOperationStepInput } from "../shared/backups/contracts";
import { services } from "../shared/services";
import { releaseEnvironment } from "../shared/backups/startDataOperation";
import type { OperationStep } from "../shared/state/history";
import { trackEvent } from "../shared/telemetry";

function upsertStep(steps: OperationStep[], step: NonNullable<DataOperationStepInput["step"]>, now: string): OperationStep[] {
  const ended = step.status !== "Running" ? { endedAt: now } : {};
  const detail = step.detail ? { detail: step.detail } : {};
  const i = steps.findIndex((s) => s.name === step.name);
  if (i === -1) return [...steps, { name: step.name, status: step.status, startedAt: now, ...ended, ...detail }];
  return steps.map((s, j) => (j === i ? { ...s, status: step.status, ...ended, ...detail } : s));
}

df.app.activity(Activities.dataOperationStep, {
  handler: async (input: DataOperationStepInput): Promise<void> => {
    const now = new Date().toISOString();
    await services().state.updateOperation(input.operationId, (op) => ({
      ...op,
      steps: input.step ? upsertStep(op.steps, input.step, now) : op.steps,
      progress: input.progress ?? op.progress,
      ...(input.operationStatus && op.status === "Running" ? { status: input.operationStatus, endedAt: now } : {}),
      ...(input.error ? { error: input.error } : {}),
    }));
    if (input.release) await releaseEnvironment(input.environmentId, input.operationId);
    if (input.operationStatus) trackEvent("keyward.operation.end", { operationId: input.operationId, environmentId: input.environmentId, status: input.operationStatus });
  },
});
