// Starting a long-running operation on an environment, the one way every operation starts:
//   1. claim the environment's one operation slot in one atomic update (so a second request gets
//      409 naming the first), with the operation's own checks and changes (its first status, the
//      policy it joins, the flag that keeps the data API at 503 while data is rewritten);
//   2. write the history entry; 3. start the orchestration with the operation id as instance id.
// If step 2 or 3 fails, the claim is given back (a status it set becomes Failed, so nothing is
// left in a downtime) and a history entry that was written says why.
import { randomUUID } from "node:crypto";
import type { DurableClient } from "durable-functions";
import type { TenantState } from "../state/stateStore";
import type { Settings } from "../settings";
import { notFound } from "../errors";
import { requireNoOperation } from "./admission";
import type { OperationKind } from "../state/history";
import { withSlotFreed, type Environment } from "../domain/environment";
import { DEFAULT_ACTIVITY_RETRY, type ActivityRetryPolicy, type ReleaseEnvironmentInput } from "./contracts";
import { operationStarted } from "./operationTelemetry";
import { stampCodeVersion } from "./codeVersion";
import { settleEndedOperation } from "./settleEndedOperation";

export function retryFromSettings(s: Settings): ActivityRetryPolicy {
  return { ...DEFAULT_ACTIVITY_RETRY, firstRetryIntervalMs: s.activityFirstRetryMs, maxAttempts: s.activityMaxAttempts };
}

/** An orchestration as startOperation needs it: its registration name and (type only) its input. */
export interface NamedOrchestration<I> {
  readonly name: string;
  readonly inputType?: I;
}

export interface OperationStart<I> {
  environmentId: string;
  kind: OperationKind;
  /** What the History page calls it. */
  operationName: string;
  orchestration: NamedOrchestration<I>;
  requestedBy: string;
  /** The policy the environment is on (or joins) while the operation runs. */
  policy?: string;
  targetPolicy?: string;
  /** Checked inside the atomic claim, on the environment as stored (e.g. not locked). */
  check?: (e: Environment) => void;
  /** What the claim changes besides the slot (its first status, the data operation flag...); `operationId` is the slot's new holder. */
  claim?: (e: Environment, operationId: string) => Environment;
  /**
   * Runs once the environment is claimed, before anything is recorded or started; if it throws,
   * the claim is undone as if it never happened (an add confirms its policy did not change).
   */
  confirm?: () => Promise<void>;
  input: (operationId: string) => I;
}

export async function startOperation<I>(state: TenantState, client: DurableClient, start: OperationStart<I>): Promise<{ environmentId: string; operationId: string }> {
  const operationId = randomUUID();
  const now = new Date().toISOString();
  // A slot held by an orchestration that ended without freeing it is given back first.
  const holder = (await state.getEnvironment(start.environmentId))?.encryption.activeOperationId;
  if (holder) await settleEndedOperation(state, client, holder);
  let before: Environment | undefined;
  const claimed = await state.updateEnvironment(start.environmentId, (e) => {
    requireNoOperation(e);
    start.check?.(e);
    before = e;
    const changed = start.claim ? start.claim(e, operationId) : e;
    return { ...changed, encryption: { ...changed.encryption, activeOperationId: operationId } };
  });
  if (!claimed) throw notFound("EnvironmentNotFound", `There is no environment '${start.environmentId}'.`, "id");
  if (start.confirm) {
    try {
      await start.confirm();
    } catch (err) {
      const previous = before!;
      await state.updateEnvironment(start.environmentId, (e) => (e.encryption.activeOperationId === operationId
        ? { ...e, dataOperation: previous.dataOperation, encryption: { ...previous.encryption } } : undefined));
      throw err;
    }
  }
  let recorded = false;
  try {
    await state.recordOperation({
      operationId, environmentId: start.environmentId, operation: start.operationName, kind: start.kind, status: "Running",
      startedAt: now, steps: [], instanceId: operationId, policy: start.policy ?? claimed.encryption.policy, targetPolicy: start.targetPolicy,
      requestedBy: start.requestedBy,
    });
    recorded = true;
    await client.startNew(start.orchestration.name, { instanceId: operationId, input: stampCodeVersion(start.input(operationId)) });
  } catch (err) {
    const message = `The operation could not be started: ${err instanceof Error ? err.message : String(err)}`;
    if (recorded) await state.updateOperation(operationId, (op) => ({ ...op, status: "Failed", endedAt: new Date().toISOString(), error: { code: "StartFailed", message } }));
    const statusChanged = before !== undefined && claimed.encryption.status !== before.encryption.status;
    await releaseEnvironment(state, { operationId, environmentId: start.environmentId }, statusChanged ? "Failed" : undefined);
    throw err;
  }
  operationStarted({ operationId, environmentId: start.environmentId, kind: start.kind, policy: start.policy, targetPolicy: start.targetPolicy });
  return { environmentId: start.environmentId, operationId };
}

/** Frees the slot and the data operation flag, if this operation still holds them. */
export async function releaseEnvironment(state: Pick<TenantState, "updateEnvironment">, input: Pick<ReleaseEnvironmentInput, "operationId" | "environmentId">, status?: "Failed"): Promise<void> {
  await state.updateEnvironment(input.environmentId, (e) => {
    if (e.encryption.activeOperationId !== input.operationId) return undefined;
    const { dataOperation: _flag, ...rest } = e;
    return { ...rest, encryption: { ...withSlotFreed(e.encryption), ...(status ? { status } : {}) } };
  });
}
