// Activity: retire every DEK other than the target once no item uses it, and drop the wrapped
// copies under keys the target is not under, so the previous key is no longer needed. A
// straggler written under an old DEK just before the switch is reported (DataRemaining) rather
// than retired under: the orchestration then says so and a rerun re-encrypts it.
import * as df from "durable-functions";
import { Activities } from "../shared/operations/names";
import type { FinishRekeyInput, FinishRekeyOutput } from "../shared/operations/contracts";
import { services } from "../shared/services";
import { asKeyFailure } from "../shared/operations/keyFailure";

df.app.activity(Activities.finishRekey, {
  handler: async (input: FinishRekeyInput): Promise<FinishRekeyOutput> => {
    try {
      return await services().transitions.finishRekey(input.environmentId, input.targetDekId);
    } catch (err) {
      return asKeyFailure(err);
    }
  },
});
