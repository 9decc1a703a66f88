// The campaign's plaintext scan (chaos/invariants.ts checkPlaintext) finds the workload's marker
// in storage whichever way it was written (raw bytes in a binary property, base64 at an odd
// alignment in a string, UTF-16 in a blob, hex in blob metadata), and passes ciphertext-like
// content. Planted in the run's Azurite under names of this test's own.
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import { BlobServiceClient } from "@azure/storage-blob";
import { checkPlaintext } from "../../chaos/invariants";
import { Counters } from "../../chaos/counters";
import { PLAINTEXT_MARKER } from "../../chaos/workload";
import { testStorage, uniquePrefix } from "../support/storage";

async function table(name: string, entity: Record<string, unknown>): Promise<void> {
  const t = TableClient.fromConnectionString(testStorage(), name, { allowInsecureConnection: true });
  await t.createTable();
  await t.createEntity({ partitionKey: "p", rowKey: "r", ...entity });
}

async function blob(container: string, name: string, content: Buffer, metadata?: Record<string, string>): Promise<void> {
  const c = BlobServiceClient.fromConnectionString(testStorage()).getContainerClient(container);
  await c.createIfNotExists();
  await c.getBlockBlobClient(name).uploadData(content, { metadata });
}

const marker = Buffer.from(`${PLAINTEXT_MARKER}-value-42`);

describe("the chaos campaign's plaintext scan", () => {
  it("passes ciphertext-like content", async () => {
    const prefix = uniquePrefix("scanok");
    await table(`${prefix}a`, { data: randomBytes(200), text: randomBytes(90).toString("base64") });
    await blob(`${prefix}b`, "x", randomBytes(500), { dek: "0123abcd" });
    const counters = new Counters();
    await checkPlaintext({ storage: testStorage(), counters }, prefix);
    expect(counters.violations).toEqual([]);
    expect(counters.get("final.plaintextScan.entities")).toBe(1);
    expect(counters.get("final.plaintextScan.blobs")).toBe(1);
  });

  it("finds the marker as raw bytes, base64 at an odd offset, UTF-16 and hex", async () => {
    const prefix = uniquePrefix("scanbad");
    await table(`${prefix}raw`, { data: Buffer.concat([randomBytes(7), marker, randomBytes(7)]) });
    await table(`${prefix}b64`, { text: Buffer.concat([randomBytes(2), marker]).toString("base64") });
    await blob(`${prefix}u16`, "u", Buffer.concat([randomBytes(3), Buffer.from(marker.toString(), "utf16le")]));
    await blob(`${prefix}hex`, "h", randomBytes(10), { note: marker.toString("hex") });
    const counters = new Counters();
    await checkPlaintext({ storage: testStorage(), counters }, prefix);
    expect(counters.violations.sort()).toEqual([
      `plaintext in blob ${prefix}hex/h`, `plaintext in blob ${prefix}u16/u`,
      `plaintext in table ${prefix}b64, entity p/r`, `plaintext in table ${prefix}raw, entity p/r`,
    ].sort());
  });
});
