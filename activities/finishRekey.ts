// Activity: retire every DEK other than the target once no item uses it, and drop the wrapped
// copies under keys the target is not under, so the previous key is no longer needed. A
// straggler written under an old DEK just before the switch is reported (DataRemaining) rather
// than retired under: the orchestration then says so and a rerun re-encrypts it.
import type { AppServices } from "../shared/appServices";
import type { FinishRekeyInput, FinishRekeyOutput } from "../shared/operations/contracts";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";

export async function finishRekey(input: FinishRekeyInput, svc: AppServices): Promise<FinishRekeyOutput> {
  try {
    return await svc.transitions.finishRekey(input.dataId, input.targetDekId);
  } catch (err) {
    return terminalOutcomeOf(err);
  }
}
