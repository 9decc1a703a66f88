// Clients for the storage account, and the status codes of its errors.
import { TableClient } from "@azure/data-tables";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";

export function tableClient(connectionString: string, tableName: string): TableClient {
  // Azurite (and any emulator) serves plain http; the SDK refuses shared-key auth over http unless told.
  const insecure = /(^|;)\s*(TableEndpoint|DefaultEndpointsProtocol)\s*=\s*http(:|;|$)/i.test(connectionString);
  return TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: insecure });
}

export function containerClient(connectionString: string, containerName: string): ContainerClient {
  return BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
}

/** The HTTP status of a storage SDK error, or undefined for anything else. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** Precondition failed (ETag changed) on an update, or the entity appeared on an insert. */
export const isConflict = (error: unknown) => statusOf(error) === 412 || statusOf(error) === 409;
export const isNotFound = (error: unknown) => statusOf(error) === 404;

/** Creates a container; an existing one is fine (creation is idempotent for every caller). */
export async function ensureContainer(container: ContainerClient): Promise<void> {
  await container.createIfNotExists();
}

/** Runs a scan of a table or container that may not exist (an environment never initialized): nothing to see then. */
export async function ignoreNotFound(scan: () => Promise<void>): Promise<void> {
  try {
    await scan();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
