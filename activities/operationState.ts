// Activities that write where people read an operation's state, each one thing, each idempotent:
//   setEncryption        the environment's encryption status, progress and key state
//   recordOperation      the operation's history entry: a step, progress, its end
//   releaseEnvironment   the environment's one-operation slot (and a data operation's 503 flag)
//   lockAfterKeyFailure  an operation lost its key: the probe decides whether to lock
import type { AppServices } from "../shared/appServices";
import type { LockAfterKeyFailureInput, RecordOperationInput, ReleaseEnvironmentInput, SetEncryptionInput } from "../shared/operations/contracts";
import { setEncryption as writeEncryption } from "../shared/operations/encryptionState";
import { recordOperation as writeRecord } from "../shared/operations/operationRecord";
import { releaseEnvironment as release } from "../shared/operations/startOperation";
import { lockAfterKeyFailure as lockIfLost } from "../shared/locking/operationLock";

export function setEncryption(input: SetEncryptionInput, svc: AppServices): Promise<void> {
  return writeEncryption(svc, input);
}

export function recordOperation(input: RecordOperationInput, svc: AppServices): Promise<void> {
  return writeRecord(svc, input);
}

export function releaseEnvironment(input: ReleaseEnvironmentInput, svc: AppServices): Promise<void> {
  return release(svc.state.forTenant(input.tenantId), input);
}

export function lockAfterKeyFailure(input: LockAfterKeyFailureInput, svc: AppServices): Promise<void> {
  return lockIfLost(svc, input.tenantId, input.environmentId, input.reason);
}
