// Activity: the key version a rotation re-wraps under (the given one, or the key's current
// version, checked usable) and the environments on the policy whose DEKs it covers.
import type { AppServices } from "../shared/appServices";
import type { ResolveKeyVersionInput, ResolveKeyVersionOutput } from "../shared/operations/contracts";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";
import { dependsOnPolicy } from "../shared/domain/encryptionStatus";
import { policyKeySource } from "../shared/keys/keySources";

export async function resolveKeyVersion(input: ResolveKeyVersionInput, svc: AppServices): Promise<ResolveKeyVersionOutput> {
  try {
    const { wrapper } = await svc.keys.latestWrapper(policyKeySource({ tenantId: input.tenantId, name: input.policy }));
    // An event can name a version older than the current one (events arrive late): use the newest.
    const keyId = input.keyId === wrapper.keyId ? input.keyId : wrapper.keyId;
    const environments = (await svc.state.forTenant(input.tenantId).listEnvironments()).filter((e) => dependsOnPolicy(e, input.policy))
      .map((e) => ({ tenantId: e.tenantId, environmentId: e.id, dataId: e.dataId }));
    return { outcome: "ok", keyId, environments };
  } catch (err) {
    return terminalOutcomeOf(err);
  }
}
