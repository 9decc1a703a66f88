// Activity: an environment store's partitions and how many items it holds, for progress, and how
// many are not yet under the target DEK (a store with none left is skipped).
import * as df from "durable-functions";
import { Activities } from "../shared/operations/names";
import type { ListPartitionsInput, ListPartitionsOutput } from "../shared/operations/contracts";
import { services } from "../shared/services";

df.app.activity(Activities.listPartitions, {
  handler: async (input: ListPartitionsInput): Promise<ListPartitionsOutput> => {
    const { reencryption } = services();
    const [partitions, usage] = await Promise.all([reencryption.partitions(input.environmentId), reencryption.dekUsage(input.environmentId)]);
    const items = Object.values(usage[input.store]).reduce((n, c) => n + c, 0);
    const remaining = input.targetDekId ? items - (usage[input.store][input.targetDekId] ?? 0) : items;
    return { partitions: partitions.map(String), items, remaining };
  },
});
