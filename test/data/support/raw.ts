// Straight-from-storage reads for tests, bypassing keyward.
import { TableClient } from "@azure/data-tables";
import { BlobServiceClient } from "@azure/storage-blob";
import { testStorage } from "../../support/storage";

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

export const rawTable = (name: string) => TableClient.fromConnectionString(testStorage(), name, { allowInsecureConnection: true });
export const rawContainer = (name: string) => BlobServiceClient.fromConnectionString(testStorage()).getContainerClient(name);

export const allEntities = (table: string) => collect(rawTable(table).listEntities<Record<string, unknown>>());
