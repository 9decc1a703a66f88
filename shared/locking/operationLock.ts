// An operation lost its key: the probe decides, as for the data path. A key the probe finds lost
// locks every environment on the policy, with the probe's reason in words an admin can act on
// (not the raw vault message, which would also overwrite that reason); a key the probe finds
// usable again locks nothing. Only an environment on no policy, or a vault that does not answer
// the probe, is locked with the operation's own reason.
import { reconcilePolicy, type KeyHealthDeps } from "./keyHealth";
import { lockEnvironment } from "./lockState";

export async function lockAfterKeyFailure(deps: KeyHealthDeps, tenantId: string, environmentId: string, reason: string): Promise<void> {
  const policy = (await deps.state.forTenant(tenantId).getEnvironment(environmentId))?.encryption.policy;
  const decided = policy ? await reconcilePolicy(deps, tenantId, policy, "OperationKeyFailure").catch(() => undefined) : undefined;
  if (decided && decided.probe.status !== "Unreachable") return;
  await lockEnvironment(deps, tenantId, environmentId, reason, "operation");
}
