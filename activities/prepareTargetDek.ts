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
import * as df from "durable-functions";
import { Activities } from "../shared/operations/names";
import type { PrepareTargetDekInput, PrepareTargetDekOutput } from "../shared/operations/contracts";
import { services } from "../shared/services";
import { latestWrapper } from "../shared/keys/keySources";
import { asKeyFailure } from "../shared/operations/keyFailure";
import { unlockEnvironment } from "../shared/locking/lockState";

async function leavePolicyUnused(environmentId: string, policy: string): Promise<boolean> {
  const { state, transitions } = services();
  if (await transitions.needsSource(environmentId, { kind: "CustomerManaged", policy })) return false;
  const env = await state.updateEnvironment(environmentId, (e) =>
    e.encryption.policy === policy && e.encryption.keyType !== "CustomerManaged" ? { ...e, encryption: { ...e.encryption, policy: undefined } } : undefined);
  if (env?.state === "Locked") await unlockEnvironment(environmentId, "AddFailedBeforeUsingKey");
  return true;
}

df.app.activity(Activities.prepareTargetDek, {
  handler: async (input: PrepareTargetDekInput): Promise<PrepareTargetDekOutput> => {
    try {
      const { wrapper, key } = await latestWrapper(input.target);
      const dek = await services().transitions.prepareTargetDek(input.environmentId, wrapper, key.source);
      return { outcome: "ok", dekId: dek.dekId, keyId: dek.keyId };
    } catch (err) {
      const failure = asKeyFailure(err);
      if (input.target.kind !== "CustomerManaged") return failure;
      return { ...failure, keyInUse: !(await leavePolicyUnused(input.environmentId, input.target.policy)) };
    }
  },
});
