// Activity: an environment store's partitions and how many items it holds, for progress, and how
// many are not yet under the target DEK (a store with none left is skipped).
import type { AppServices } from "../shared/appServices";
import type { ListPartitionsInput, ListPartitionsOutput } from "../shared/operations/contracts";

export async function listPartitions(input: ListPartitionsInput, svc: AppServices): Promise<ListPartitionsOutput> {
  const [partitions, usage] = await Promise.all([svc.reencryption.partitions(input.dataId), svc.reencryption.dekUsage(input.dataId)]);
  const items = Object.values(usage[input.store]).reduce((n, c) => n + c, 0);
  const remaining = input.targetDekId ? items - (usage[input.store][input.targetDekId] ?? 0) : items;
  return { partitions: partitions.map(String), items, remaining };
}
