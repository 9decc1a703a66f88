// Activity: make a DEK wrapped by the target key (the customer key's current version, or the
// platform key) the environment's active DEK, and give the index key a copy under it.
// Idempotent: a rerun finds the DEK already active under the target and reuses it.
import * as df from "durable-functions";
import { Activities } from "../shared/operations/names";
import type { PrepareTargetDekInput, PrepareTargetDekOutput } from "../shared/operations/contracts";
import { services } from "../shared/services";
import { latestWrapper } from "../shared/keys/keySources";
import { asKeyFailure } from "../shared/operations/keyFailure";

df.app.activity(Activities.prepareTargetDek, {
  handler: async (input: PrepareTargetDekInput): Promise<PrepareTargetDekOutput> => {
    try {
      const { wrapper, key } = await latestWrapper(input.target);
      const dek = await services().transitions.prepareTargetDek(input.environmentId, wrapper, key.source);
      return { outcome: "ok", dekId: dek.dekId, keyId: dek.keyId };
    } catch (err) {
      return asKeyFailure(err);
    }
  },
});
