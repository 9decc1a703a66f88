// Activity: before a restore or copy, check the source is there and the target's key works, then
// empty the target (its data is replaced). Rerunnable: emptying twice is emptying once.
import * as df from "durable-functions";
import { Activities } from "../shared/operations/names";
import type { PrepareTransferInput, PrepareTransferOutput } from "../shared/backups/contracts";
import { services } from "../shared/services";
import { asOperationFailure } from "../shared/backups/failures";

df.app.activity(Activities.prepareTransfer, {
  handler: async (input: PrepareTransferInput): Promise<PrepareTransferOutput> => {
    try {
      return { outcome: "ok", ...(await services().backups.prepareTransfer(input)) };
    } catch (err) {
      return asOperationFailure(err);
    }
  },
});
