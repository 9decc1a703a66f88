// Moves every record and file of an environment onto `targetDekId`, partition by partition in
// pages of 5, as the re-encryption activities would.
import type { Reencryption } from "../../../shared/data/reencrypt";

export async function reencryptEverything(r: Reencryption, environmentId: string, targetDekId: string): Promise<void> {
  for (const bucket of await r.partitions(environmentId)) {
    for (const store of ["records", "files"] as const) {
      let continuation: string | undefined;
      do {
        const run = { environmentId, bucket, targetDekId, continuation, maxItems: 5 };
        continuation = (store === "records" ? await r.reencryptRecordPartition(run) : await r.reencryptFilePartition(run)).continuation;
      } while (continuation);
    }
  }
}
