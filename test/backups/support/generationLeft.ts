// Whether anything of a storage generation is left: its records table, its data container, its
// key ring, and the backup blobs stored under its data id. Reads the in-process keyward's storage.
import { services } from "../../../shared/services";
import { tableServiceClient } from "../../../shared/storage/clients";

export async function generationLeft(dataId: string) {
  const { backups, settings } = services();
  const data = backups.context.data;
  const tables: string[] = [];
  for await (const t of tableServiceClient(settings.storageConnectionString).listTables()) tables.push(t.name!);
  return {
    table: tables.includes(data.naming.recordTable(dataId)),
    container: await data.files.container(dataId).exists(),
    ring: (await data.rings.read(dataId)) !== undefined,
    backupBlobs: (await backups.store.blobNamesOf(dataId)).length,
  };
}

export const NOTHING_LEFT = { table: false, container: false, ring: false, backupBlobs: 0 };
