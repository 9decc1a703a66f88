// Activity: retire every DEK other than the target once no item uses it, and drop the wrapped
// copies under keys the target is not under, so the previous key is no longer needed. A
// straggler written under an old DEK just before the switch is reported (DataRemaining) rather
// than retired under: the orchestration then says so and a rerun re-encrypts it.
import type { AppServices } from "../shared/appServices";
import type { FinishRekeyInput, FinishRekeyOutput } from "../shared/operations/contracts";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";

export async function finishRekey(input: FinishRekeyInput, svc: AppServices): Promise<FinishRekeyOutput> {
  try {
    // Counts at most KEYWARD_COUNT_ITEMS_PER_CALL items per store itself (ProofPaged past that),
    // or none when the orchestration proved it partition by partition (`proven`).
    return await svc.transitions.finishRekey(input.dataId, input.targetDekId, { maxItems: svc.settings.countItemsPerCall, ...(input.proven ? { proven: input.proven } : {}) });
  } catch (err) {
    return terminalOutcomeOf(err);
  }
}
