// The one factory of storage clients (keyward's state tables, the environments' data, the task
// hub is the host's), and the status codes of storage errors. Table creation is memoized per
// process, so a handler never pays for it twice.
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";

const created = new Map<string, Promise<void>>();

/** Azurite (and any emulator) serves plain http; the SDK refuses shared-key auth over http unless told. */
function insecure(connectionString: string): boolean {
  return /(^|;)\s*(TableEndpoint|DefaultEndpointsProtocol)\s*=\s*http(:|;|$)/i.test(connectionString) || /UseDevelopmentStorage=true/i.test(connectionString);
}

export function tableClient(connectionString: string, name: string): TableClient {
  return TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: insecure(connectionString) });
}

export function tableServiceClient(connectionString: string): TableServiceClient {
  return TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection: insecure(connectionString) });
}

export function blobServiceClient(connectionString: string): BlobServiceClient {
  return BlobServiceClient.fromConnectionString(connectionString);
}

export function containerClient(connectionString: string, containerName: string): ContainerClient {
  return blobServiceClient(connectionString).getContainerClient(containerName);
}

/** A table client whose table exists (created once per process). */
export async function ensuredTable(connectionString: string, name: string): Promise<TableClient> {
  const client = tableClient(connectionString, name);
  const key = `table|${connectionString}|${name}`;
  let ready = created.get(key);
  if (!ready) {
    ready = client.createTable().catch((err: unknown) => {
      created.delete(key);
      throw err;
    });
    created.set(key, ready);
  }
  await ready;
  return client;
}

/** Creates a container; an existing one is fine (creation is idempotent for every caller). */
export async function ensureContainer(container: ContainerClient): Promise<void> {
  await container.createIfNotExists();
}

/** The HTTP status of a storage SDK error, or undefined for anything else. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** Precondition failed (ETag changed) on an update, or the entity appeared on an insert. */
export const isConflict = (error: unknown) => statusOf(error) === 412 || statusOf(error) === 409;
export const isNotFound = (error: unknown) => statusOf(error) === 404;

/** Runs a scan of a table or container that may not exist (an environment never initialized): nothing to see then. */
export async function ignoreNotFound(scan: () => Promise<void>): Promise<void> {
  try {
    await scan();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
