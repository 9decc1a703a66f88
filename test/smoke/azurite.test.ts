import { describe, expect, it } from "vitest";
import { TableClient } from "@azure/data-tables";
import { BlobServiceClient } from "@azure/storage-blob";
import { testStorage, uniquePrefix } from "../support/storage";

describe("Azurite from the global setup", () => {
  it("serves tables and blobs through the real SDKs", async () => {
    const conn = testStorage();
    const table = TableClient.fromConnectionString(conn, uniquePrefix("smoke"), { allowInsecureConnection: true });
    await table.createTable();
    await table.createEntity({ partitionKey: "p", rowKey: "r", value: 42 });
    expect((await table.getEntity<{ value: number }>("p", "r")).value).toBe(42);
    const container = BlobServiceClient.fromConnectionString(conn).getContainerClient(uniquePrefix("smoke"));
    await container.create();
    await container.getBlockBlobClient("b").upload("hello", 5);
    expect((await container.getBlobClient("b").downloadToBuffer()).toString()).toBe("hello");
  });
});
