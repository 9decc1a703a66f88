// An operation whose orchestration ended without recording its end: it failed before its own
// failure path could run (an instance started on other orchestration code refuses to replay,
// shared/operations/codeVersion.ts) or was terminated through the durable API. Its history entry
// still says Running and its environment's slot is still held, so nothing else would free them.
// The same for one whose instance is in another task hub (a deployment to a new hub).
// Settled when someone looks (the operation's GET, a new operation on the environment): the entry
// becomes Failed with the orchestration's own message, and the slot is given back with the
// environment's status Failed, from which a rerun resumes (finished work is kept).
import type { DurableClient } from "durable-functions";
import type { TenantState } from "../state/stateStore";
import { withSlotFreed } from "../domain/environment";

const ENDED = new Set(["Failed", "Terminated"]);
/** How long after its start an operation whose instance this hub does not hold counts as lost (a start takes far less). */
const LOST_AFTER_MS = 10 * 60_000;

function messageOf(output: unknown, runtimeStatus: string): string {
  const text = typeof output === "string" ? output : output === undefined || output === null ? "" : JSON.stringify(output);
  return (text || `The orchestration ended ${runtimeStatus} without recording why.`).slice(0, 1000);
}

/** Settles `operationId` if its orchestration has ended Failed/Terminated while its entry says Running. Returns whether it did. */
export async function settleEndedOperation(state: TenantState, client: DurableClient, operationId: string): Promise<boolean> {
  const op = await state.getOperation(operationId);
  if (!op || op.status !== "Running") return false;
  let instance: Awaited<ReturnType<DurableClient["getStatus"]>> | undefined;
  let missing = false;
  try {
    instance = await client.getStatus(operationId);
  } catch (err) {
    // The durable client says 404 for an instance this task hub does not hold.
    missing = /HTTP 404/.test(err instanceof Error ? err.message : String(err));
    if (!missing) return false;
  }
  // Not in this hub: started on another task hub (KEYWARD_TASK_HUB changed), so nothing here will
  // ever end it. Only once well past its start, as an instance just being started is not there yet.
  const lostToAnotherHub = missing && Date.now() - Date.parse(op.startedAt) > LOST_AFTER_MS;
  const runtimeStatus = lostToAnotherHub ? "NotInThisTaskHub" : instance?.runtimeStatus ? String(instance.runtimeStatus) : "";
  if (!lostToAnotherHub && !ENDED.has(runtimeStatus)) return false;
  const message = lostToAnotherHub
    ? "The operation's orchestration is not in this deployment's task hub (KEYWARD_TASK_HUB changed while it ran). Run the operation again to resume it here (its finished work is kept)."
    : messageOf(instance?.output, runtimeStatus);
  const code = lostToAnotherHub ? "OrchestrationNotInTaskHub" : message.includes("CodeVersionMismatch") || message.includes("was started by keyward code version") ? "CodeVersionMismatch" : `Orchestration${runtimeStatus}`;
  await state.updateOperation(operationId, (current) => (current.status !== "Running" ? undefined
    : { ...current, status: "Failed", endedAt: new Date().toISOString(), error: { code, message } }));
  // The slot and the data operation flag, if this operation still holds them (as startOperation's releaseEnvironment).
  await state.updateEnvironment(op.environmentId, (e) => {
    if (e.encryption.activeOperationId !== operationId) return undefined;
    const { dataOperation: _flag, ...rest } = e;
    return { ...rest, encryption: { ...withSlotFreed(e.encryption), status: "Failed" } };
  });
  return true;
}
