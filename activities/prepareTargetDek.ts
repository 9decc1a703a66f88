// Activity: make a DEK wrapped by the target key (the customer key's current version, or the
// platform key) the environment's active DEK, and give the index key a copy under it.
// Idempotent: a rerun finds the DEK already active under the target and reuses it.
//
// When the customer key of an add cannot be used here (revoked, a role that may read the key but
// not wrap with it, disabled...), the add fails. If nothing of the environment depends on that
// key yet (its data is all under its previous key, as the reference says of a failed add), that
// is no reason to lock it: it leaves the policy (so no probe of that key locks it later either;
// a lock a probe already put on it is lifted) and keyInUse: false tells the orchestration not to
// lock. A rerun whose earlier run already moved data under the key does need it: keyInUse: true.
import type { AppServices } from "../shared/appServices";
import type { PrepareTargetDekInput, PrepareTargetDekOutput } from "../shared/operations/contracts";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";
import { unlockEnvironment } from "../shared/locking/lockState";
import { policyKeySource } from "../shared/keys/keySources";

async function leavePolicyUnused(svc: AppServices, input: PrepareTargetDekInput, policy: string): Promise<boolean> {
  if (await svc.transitions.needsSource(input.dataId, policyKeySource({ tenantId: input.tenantId, name: policy }))) return false;
  const env = await svc.state.forTenant(input.tenantId).updateEnvironment(input.environmentId, (e) =>
    e.encryption.policy === policy && e.encryption.keyType !== "CustomerManaged" ? { ...e, encryption: { ...e.encryption, policy: undefined } } : undefined);
  if (env?.state === "Locked") await unlockEnvironment(svc, input.tenantId, input.environmentId, "AddFailedBeforeUsingKey");
  return true;
}

export async function prepareTargetDek(input: PrepareTargetDekInput, svc: AppServices): Promise<PrepareTargetDekOutput> {
  try {
    const { wrapper, key } = await svc.keys.latestWrapper(input.target);
    const dek = await svc.transitions.prepareTargetDek(input.dataId, wrapper, key.source);
    return { outcome: "ok", dekId: dek.dekId, keyId: dek.keyId };
  } catch (err) {
    const failure = terminalOutcomeOf(err);
    if (failure.outcome !== "AccessLost" || input.target.kind !== "CustomerManaged") return failure;
    return { ...failure, keyInUse: !(await leavePolicyUnused(svc, input, input.target.policy)) };
  }
}
