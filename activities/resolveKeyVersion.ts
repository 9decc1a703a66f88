// Activity: the key version a rotation re-wraps under (the given one, or the key's current
// version, checked usable) and the environments on the policy whose DEKs it covers.
import type { AppServices } from "../shared/appServices";
import type { ResolveKeyVersionInput, ResolveKeyVersionOutput } from "../shared/operations/contracts";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";
import { dependsOnPolicy } from "../shared/domain/encryptionStatus";

export async function resolveKeyVersion(input: ResolveKeyVersionInput, svc: AppServices): Promise<ResolveKeyVersionOutput> {
  try {
    const { wrapper } = await svc.keys.latestWrapper({ kind: "CustomerManaged", policy: input.policy });
    // An event can name a version older than the current one (events arrive late): use the newest.
    const keyId = input.keyId === wrapper.keyId ? input.keyId : wrapper.keyId;
    const environmentIds = (await svc.state.listEnvironments()).filter((e) => dependsOnPolicy(e, input.policy)).map((e) => e.id);
    return { outcome: "ok", keyId, environmentIds };
  } catch (err) {
    return terminalOutcomeOf(err);
  }
}
