// Activity: an environment store's partitions, from its key ring alone (nothing is scanned:
// sizing counts them partition by partition, countPartition).
import type { AppServices } from "../shared/appServices";
import type { ListPartitionsInput, ListPartitionsOutput } from "../shared/operations/contracts";

export async function listPartitions(input: ListPartitionsInput, svc: AppServices): Promise<ListPartitionsOutput> {
  return { partitions: (await svc.reencryption.partitions(input.dataId)).map(String) };
}
