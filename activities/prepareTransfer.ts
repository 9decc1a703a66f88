// Activity: before a restore or copy, check the source is there and the target's key works, then
// empty the target (its data is replaced). Rerunnable: emptying twice is emptying once.
import type { AppServices } from "../shared/appServices";
import type { PrepareTransferInput, PrepareTransferOutput } from "../shared/dataOperations/contracts";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";

export async function prepareTransfer(input: PrepareTransferInput, svc: AppServices): Promise<PrepareTransferOutput> {
  try {
    return { outcome: "ok", ...(await svc.backups.prepareTransfer(input)) };
  } catch (err) {
    return terminalOutcomeOf(err);
  }
}
