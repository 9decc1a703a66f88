// Activity: restore or copy a page-bounded run of one source partition into the target (opened
// with the source's keys, written under the target's) and return a checkpoint.
import * as df from "durable-functions";
import { Activities } from "../shared/operations/names";
import type { TransferPartitionInput, TransferPartitionOutput } from "../shared/backups/contracts";
import { services } from "../shared/services";
import { asOperationFailure } from "../shared/backups/failures";

df.app.activity(Activities.transferPartition, {
  handler: async (input: TransferPartitionInput): Promise<TransferPartitionOutput> => {
    try {
      return { outcome: "ok", ...(await services().backups.transferPartition(input)) };
    } catch (err) {
      return asOperationFailure(err);
    }
  },
});
