// Writes an operation's progress to the two places people read it: the environment (status,
// progress, key state) and the operation's history entry (steps, end, error).
import { services } from "../services";
import { lockEnvironment } from "../locking/lockState";
import { reconcilePolicy } from "../locking/keyHealth";
import { UPDATE_CMK, type OperationRecord, type OperationStep } from "../state/history";
import type { Environment } from "../domain/environment";
import type { SetStatusInput } from "./contracts";
import { trackEvent } from "../telemetry";

function upsertStep(steps: OperationStep[], step: NonNullable<SetStatusInput["step"]>, now: string): OperationStep[] {
  const i = steps.findIndex((s) => s.name === step.name);
  if (i === -1) return [...steps, { name: step.name, status: step.status, startedAt: now, ...(step.status !== "Running" ? { endedAt: now } : {}), ...(step.detail ? { detail: step.detail } : {}) }];
  const next = [...steps];
  next[i] = { ...next[i], status: step.status, ...(step.status !== "Running" ? { endedAt: now } : {}), ...(step.detail ? { detail: step.detail } : {}) };
  return next;
}

function applyToEnvironment(e: Environment, input: SetStatusInput): Environment {
  const enc = { ...e.encryption, status: input.status };
  if (input.policy) enc.policy = input.policy;
  if (input.progress) enc.progress = input.progress;
  if (input.warning) enc.warning = input.warning;
  if (input.final) {
    enc.keyType = input.final.keyType;
    enc.keyId = input.final.keyId;
    enc.policy = input.final.keyType === "CustomerManaged" ? input.final.policy : undefined;
    enc.warning = undefined;
  }
  if (input.release && enc.activeOperationId === input.operationId) enc.activeOperationId = undefined;
  return { ...e, encryption: enc };
}

export async function recordStatus(input: SetStatusInput): Promise<void> {
  const { state } = services();
  const now = new Date().toISOString();
  await state.updateEnvironment(input.environmentId, (e) => applyToEnvironment(e, input));

  // Half of a change of policy has no entry yet: it gets its own, so each downtime shows.
  if (!(await state.getOperation(input.operationId))) {
    const adding = input.status.startsWith("Encrypting");
    const first: OperationRecord = {
      operationId: input.operationId, environmentId: input.environmentId, operation: UPDATE_CMK,
      kind: adding ? "AddToPolicy" : "RemoveFromPolicy", status: "Running", startedAt: now, steps: [], policy: input.policy,
    };
    await state.recordOperation(first);
  }
  await state.updateOperation(input.operationId, (op) => ({
    ...op,
    steps: input.step ? upsertStep(op.steps, input.step, now) : op.steps,
    progress: input.progress ?? op.progress,
    ...(input.operationStatus && op.status === "Running" ? { status: input.operationStatus, endedAt: now } : {}),
    ...(input.error ? { error: input.error } : {}),
  }));
  if (input.operationStatus) {
    trackEvent("keyward.operation.end", { operationId: input.operationId, environmentId: input.environmentId, status: input.operationStatus, encryptionStatus: input.status });
  }
  if (input.lock) await lockOnKeyFailure(input.environmentId, input.lock.reason);
}

/**
 * An operation lost its key: the probe decides (DESIGN.md), as for the data path. A key the probe
 * finds lost locks every environment on the policy, with the probe's reason in words an admin can
 * act on (not the raw vault message, which would also overwrite that reason); a key the probe
 * finds usable again locks nothing. Only an environment on no policy, or a vault that does not
 * answer the probe, is locked with the operation's own reason.
 */
async function lockOnKeyFailure(environmentId: string, reason: string): Promise<void> {
  const policy = (await services().state.getEnvironment(environmentId))?.encryption.policy;
  const decided = policy ? await reconcilePolicy(policy, "OperationKeyFailure").catch(() => undefined) : undefined;
  if (decided && decided.probe.status !== "Unreachable") return;
  await lockEnvironment(environmentId, reason, "operation");
}
