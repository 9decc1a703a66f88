// Erasing an environment's data: every record (and spilled value), every file, every backup, and
// the key ring itself (so no wrapped DEK of the old data survives either). Reset then gives the
// environment a new key ring under the platform key; deleting a locked environment (when the
// setting allows) stops there. Rerunnable: each step finds what is left and deletes that.
import { createEnvironmentData } from "../data/environmentData";
import type { KeyWrapper } from "../crypto/keyWrapper";
import type { BackupContext } from "./context";

export async function eraseEnvironment(bc: BackupContext, environmentId: string): Promise<{ backupsDeleted: number }> {
  await Promise.all([bc.data.records.deleteAll(environmentId), bc.data.files.deleteAll(environmentId)]);
  const backupsDeleted = await bc.store.deleteAllOf(environmentId);
  // Anything else in the environment's container (orphans of interrupted writes) goes too.
  const container = bc.data.files.container(environmentId);
  try {
    for await (const blob of container.listBlobsFlat()) await container.getBlobClient(blob.name).deleteIfExists();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
  await bc.data.rings.delete(environmentId);
  return { backupsDeleted };
}

/** Erases, then starts over with a new DEK and a new index key wrapped by `platformWrapper`. */
export async function resetEnvironment(bc: BackupContext, environmentId: string, platformWrapper: KeyWrapper): Promise<{ backupsDeleted: number }> {
  const erased = await eraseEnvironment(bc, environmentId);
  await createEnvironmentData(bc.data).initialize(environmentId, platformWrapper, { kind: "PlatformManaged" });
  return erased;
}
