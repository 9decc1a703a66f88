// Storage clients for keyward's own state tables and the environments' data. Table and
// container creation is memoized per process, so a handler never pays for it twice.
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";

const created = new Map<string, Promise<void>>();

function insecure(connectionString: string): boolean {
  return /DefaultEndpointsProtocol=http;|Endpoint=http:\/\//i.test(connectionString) || /UseDevelopmentStorage=true/i.test(connectionString);
}

export function tableClient(connectionString: string, name: string): TableClient {
  return TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: insecure(connectionString) });
}

export function tableServiceClient(connectionString: string): TableServiceClient {
  return TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection: insecure(connectionString) });
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

export function blobServiceClient(connectionString: string): BlobServiceClient {
  return BlobServiceClient.fromConnectionString(connectionString);
}

/** A container client whose container exists (created once per process). */
export async function ensuredContainer(connectionString: string, name: string): Promise<ContainerClient> {
  const client = blobServiceClient(connectionString).getContainerClient(name);
  const key = `container|${connectionString}|${name}`;
  let ready = created.get(key);
  if (!ready) {
    ready = client.createIfNotExists().then(() => undefined, (err: unknown) => {
      created.delete(key);
      throw err;
    });
    created.set(key, ready);
  }
  await ready;
  return client;
}

/** Table Storage signals "not found" and "precondition failed" through statusCode on RestError. */
export function statusOf(err: unknown): number | undefined {
  return typeof err === "object" && err !== null && "statusCode" in err ? Number((err as { statusCode: unknown }).statusCode) : undefined;
}
