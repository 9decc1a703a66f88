// The environment's encryption state as an operation moves it: status, progress, the policy it
// joins, the store a Warning names, and the final key state.
import type { AppServices } from "../appServices";
import { withSlotFreed, type Environment } from "../domain/environment";
import type { SetEncryptionInput } from "./contracts";

export function applyEncryption(e: Environment, input: SetEncryptionInput): Environment {
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
  const freed = input.release && enc.activeOperationId === input.operationId;
  return { ...e, encryption: freed ? withSlotFreed(enc) : enc };
}

export async function setEncryption(deps: Pick<AppServices, "state">, input: SetEncryptionInput): Promise<void> {
  await deps.state.forTenant(input.tenantId).updateEnvironment(input.environmentId, (e) => applyEncryption(e, input));
}
