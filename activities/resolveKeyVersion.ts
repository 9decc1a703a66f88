// Activity: the key version a rotation re-wraps under (the given one, or the key's current
// version, checked usable) and the environments on the policy whose DEKs it covers.
import * as df from "durable-functions";
import { Activities } from "../shared/operations/names";
import type { ResolveKeyVersionInput, ResolveKeyVersionOutput } from "../shared/operations/contracts";
import { services } from "../shared/services";
import { latestWrapper } from "../shared/keys/keySources";
import { asKeyFailure } from "../shared/operations/keyFailure";
import { dependsOnPolicy } from "../shared/locking/keyHealth";
import { parseKeyId } from "../shared/keyvault";

df.app.activity(Activities.resolveKeyVersion, {
  handler: async (input: ResolveKeyVersionInput): Promise<ResolveKeyVersionOutput> => {
    try {
      const { wrapper } = await latestWrapper({ kind: "CustomerManaged", policy: input.policy });
      // An event can name a version older than the current one (events arrive late): use the newest.
      const keyId = input.keyId && parseKeyId(input.keyId).versionlessId === wrapper.keyName && input.keyId === wrapper.keyId ? input.keyId : wrapper.keyId;
      const environmentIds = (await services().state.listEnvironments()).filter((e) => dependsOnPolicy(e, input.policy)).map((e) => e.id);
      return { outcome: "ok", keyId, environmentIds };
    } catch (err) {
      return asKeyFailure(err);
    }
  },
});
