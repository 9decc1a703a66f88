// Starting a backup, restore, copy or reset: claim the environment's one operation slot (and, for
// the ones that rewrite its data, raise the flag that makes the data API answer 503), in one
// atomic update, so a second request gets 409 naming the first; write the history entry; start
// the orchestration with the operation id as its instance id. If the start fails, the claim is
// released and the history entry says why.
import { randomUUID } from "node:crypto";
import type { DurableClient } from "durable-functions";
import { services } from "../services";
import { requireNoOperation } from "../operations/admission";
import { Orchestrations } from "../operations/names";
import type { DataOperationState, Environment } from "../domain/environment";
import type { DataOperationInput, DataOperationKind } from "./contracts";
import { notFound } from "../errors";

export const DATA_OPERATION_NAMES: Record<DataOperationKind, string> = {
  Backup: "Back up environment",
  Restore: "Restore environment",
  Copy: "Copy environment",
  Reset: "Reset environment",
};

const FLAGS: Record<DataOperationKind, DataOperationState | undefined> = { Backup: undefined, Restore: "Restoring", Copy: "Copying", Reset: "Resetting" };

export interface DataOperationStart {
  environmentId: string;
  kind: DataOperationKind;
  requestedBy: string;
  /** Checked inside the atomic claim, on the environment as stored (e.g. not locked). */
  check?: (e: Environment) => void;
  input: (operationId: string) => DataOperationInput;
}

export async function startDataOperation(client: DurableClient, start: DataOperationStart): Promise<{ environmentId: string; operationId: string }> {
  const { state } = services();
  const operationId = randomUUID();
  const now = new Date().toISOString();
  const claimed = await state.updateEnvironment(start.environmentId, (e) => {
    requireNoOperation(e);
    start.check?.(e);
    const flag = FLAGS[start.kind];
    return { ...e, ...(flag ? { dataOperation: flag } : {}), encryption: { ...e.encryption, activeOperationId: operationId } };
  });
  if (!claimed) throw notFound("EnvironmentNotFound", `There is no environment '${start.environmentId}'.`, "id");
  await state.recordOperation({
    operationId, environmentId: start.environmentId, operation: DATA_OPERATION_NAMES[start.kind], kind: start.kind, status: "Running",
    startedAt: now, steps: [], instanceId: operationId, policy: claimed.encryption.policy, requestedBy: start.requestedBy,
  });
  try {
    await client.startNew(Orchestrations.environmentDataOperation, { instanceId: operationId, input: start.input(operationId) });
  } catch (err) {
    const message = `The operation could not be started: ${err instanceof Error ? err.message : String(err)}`;
    await state.updateOperation(operationId, (op) => ({ ...op, status: "Failed", endedAt: new Date().toISOString(), error: { code: "StartFailed", message } }));
    await releaseEnvironment(start.environmentId, operationId);
    throw err;
  }
  return { environmentId: start.environmentId, operationId };
}

/** Frees the slot and the data operation flag, if this operation still holds them. */
export async function releaseEnvironment(environmentId: string, operationId: string): Promise<void> {
  await services().state.updateEnvironment(environmentId, (e) => {
    if (e.encryption.activeOperationId !== operationId) return undefined;
    const { dataOperation: _flag, ...rest } = e;
    return { ...rest, encryption: { ...e.encryption, activeOperationId: undefined } };
  });
}
