// Erasing an environment's data: every record (and spilled value), every file, every backup, and
// the key ring itself (so no wrapped DEK of the old data survives either): deleting a locked
// environment (when the setting allows). A reset does not erase: it switches the environment to a
// fresh storage generation and deletes the old one in pages (generations.ts). Rerunnable: each
// step finds what is left and deletes that.
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
