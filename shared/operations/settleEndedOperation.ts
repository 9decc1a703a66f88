// An operation whose orchestration ended without recording its end: it failed before its own
// failure path could run (an instance started on other orchestration code refuses to replay,
// shared/operations/codeVersion.ts) or was terminated through the durable API. Its history entry
// still says Running and its environment's slot is still held, so nothing else would free them.
// Settled when someone looks (the operation's GET, a new operation on the environment): the entry
// becomes Failed with the orchestration's own message, and the slot is given back with the
// environment's status Failed, from which a rerun resumes (finished work is kept).
import type { DurableClient } from "durable-functions";
import type { TenantState } from "../state/stateStore";

const ENDED = new Set(["Failed", "Terminated"]);

function messageOf(output: unknown, runtimeStatus: string): string {
  const text = typeof output === "string" ? output : output === undefined || output === null ? "" : JSON.stringify(output);
  return (text || `The orchestration ended ${runtimeStatus} without recording why.`).slice(0, 1000);
}

/** Settles `operationId` if its orchestration has ended Failed/Terminated while its entry says Running. Returns whether it did. */
export async function settleEndedOperation(state: TenantState, client: DurableClient, operationId: string): Promise<boolean> {
  const op = await state.getOperation(operationId);
  if (!op || op.status !== "Running") return false;
  const instance = await client.getStatus(operationId).catch(() => undefined);
  const runtimeStatus = instance?.runtimeStatus ? String(instance.runtimeStatus) : "";
  if (!ENDED.has(runtimeStatus)) return false;
  const message = messageOf(instance?.output, runtimeStatus);
  const code = message.includes("CodeVersionMismatch") || message.includes("was started by keyward code version") ? "CodeVersionMismatch" : `Orchestration${runtimeStatus}`;
  await state.updateOperation(operationId, (current) => (current.status !== "Running" ? undefined
    : { ...current, status: "Failed", endedAt: new Date().toISOString(), error: { code, message } }));
  // The slot and the data operation flag, if this operation still holds them (as startOperation's releaseEnvironment).
  await state.updateEnvironment(op.environmentId, (e) => {
    if (e.encryption.activeOperationId !== operationId) return undefined;
    const { dataOperation: _flag, ...rest } = e;
    return { ...rest, encryption: { ...e.encryption, activeOperationId: undefined, status: "Failed" } };
  });
  return true;
}
