// The one factory of storage clients (keyward's state tables, the environments' data, the task
// hub is the host's), and the status codes of storage errors. An account is reached by a
// connection string, or by identity (service URLs and a TokenCredential, no account key: the
// accounts the template deploys have shared-key access disabled). Table creation is memoized per
// process, so a handler never pays for it twice.
import type { Agent } from "node:https";
import type { TokenCredential } from "@azure/core-auth";
import { TableClient, TableServiceClient, type TableServiceClientOptions } from "@azure/data-tables";
import { BlobServiceClient, type ContainerClient, type StoragePipelineOptions } from "@azure/storage-blob";

/** An account reached by identity: its service URLs and the credential whose tokens it accepts. */
export interface IdentityStorageAccount {
  blobServiceUri: string;
  tableServiceUri: string;
  credential: TokenCredential;
  /** Locally only: an agent that trusts the embedded runtime's CA (Azurite over HTTPS). */
  agent?: Agent;
}

/** A storage account: a connection string, or one reached by identity. */
export type StorageRef = string | IdentityStorageAccount;

const created = new Map<string, Promise<void>>();

/** Azurite (and any emulator) serves plain http; the SDK refuses shared-key auth over http unless told. */
function insecure(connectionString: string): boolean {
  return /(^|;)\s*(TableEndpoint|DefaultEndpointsProtocol)\s*=\s*http(:|;|$)/i.test(connectionString) || /UseDevelopmentStorage=true/i.test(connectionString);
}

/** A key naming the account (never its secret) for per-process memos. */
function accountKey(ref: StorageRef): string {
  return typeof ref === "string" ? ref : `identity|${ref.tableServiceUri}|${ref.blobServiceUri}`;
}

// Both SDKs pass unknown pipeline options on to @azure/core-rest-pipeline, whose agent option is
// honoured by every request; the storage-blob type does not declare it.
const withAgent = <T extends object>(agent: Agent | undefined, options: T): T => (agent ? { ...options, agent } : options);

export function tableClient(ref: StorageRef, name: string): TableClient {
  if (typeof ref === "string") return TableClient.fromConnectionString(ref, name, { allowInsecureConnection: insecure(ref) });
  return new TableClient(ref.tableServiceUri, name, ref.credential, withAgent<TableServiceClientOptions>(ref.agent, {}));
}

export function tableServiceClient(ref: StorageRef): TableServiceClient {
  if (typeof ref === "string") return TableServiceClient.fromConnectionString(ref, { allowInsecureConnection: insecure(ref) });
  return new TableServiceClient(ref.tableServiceUri, ref.credential, withAgent<TableServiceClientOptions>(ref.agent, {}));
}

export function blobServiceClient(ref: StorageRef): BlobServiceClient {
  if (typeof ref === "string") return BlobServiceClient.fromConnectionString(ref);
  return new BlobServiceClient(ref.blobServiceUri, ref.credential, withAgent<StoragePipelineOptions>(ref.agent, {}));
}

export function containerClient(ref: StorageRef, containerName: string): ContainerClient {
  return blobServiceClient(ref).getContainerClient(containerName);
}

/** The account's table and blob endpoints (URLs; no key, no signature), for telemetry's dependency names. */
export function storageEndpointUrls(ref: StorageRef): { table?: string; blob?: string } {
  if (typeof ref !== "string") return { table: ref.tableServiceUri, blob: ref.blobServiceUri };
  const pick = (name: string) => new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*([^;]+)`, "i").exec(ref)?.[1];
  return { table: pick("TableEndpoint"), blob: pick("BlobEndpoint") };
}

/** A table client whose table exists (created once per process). */
export async function ensuredTable(ref: StorageRef, name: string): Promise<TableClient> {
  const client = tableClient(ref, name);
  const key = `table|${accountKey(ref)}|${name}`;
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
