// Nothing readable at rest, proven on what a user writes through the HTTP API: after records,
// files and a backup of one environment on the platform key and one on a customer key, every
// table entity and every blob (and its metadata) of this keyward's namespace is read straight
// from Azurite, and none of the values, table names, record ids or file paths appear in it, in
// UTF-8 or base64. And a stored ciphertext flipped by one bit is refused through the API with a
// clear integrity error that returns nothing of the record.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { BlobServiceClient } from "@azure/storage-blob";
import { Keyward, DATA_USER } from "../support/keyward";
import { testStorage } from "../support/storage";
import { waitForOperation } from "../support/environments";
import { storageNaming } from "../../shared/data/naming";

let kw: Keyward;
const insecure = { allowInsecureConnection: true };

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" });
});
afterAll(async () => kw?.stop());

const secrets = {
  table: "PatientRecordsZq7",
  recordId: "patient-4411-Xv9",
  value: "Diagnosis: hypertension, Zq7Xv9",
  unicode: "Grüße aus Köln Ωμέγα Zq7",
  path: "contracts/2026/acme-merger-Xv9.pdf",
  fileBody: "CONFIDENTIAL MERGER TERMS Zq7Xv9",
};

function needles(): Buffer[] {
  const out: Buffer[] = [];
  for (const s of Object.values(secrets)) {
    const b = Buffer.from(s, "utf8");
    out.push(b, Buffer.from(b.toString("base64")), Buffer.from(b.toString("hex")));
    // Base64 of a string depends on its alignment; the middle of it is stable at any offset.
    for (let shift = 1; shift < 3; shift++) out.push(Buffer.from(Buffer.concat([Buffer.alloc(shift), b]).toString("base64").slice(4, -4)));
  }
  return out;
}

async function scanNamespace(prefix: string): Promise<{ bytes: Buffer[]; tables: number; blobs: number }> {
  const conn = testStorage();
  const bytes: Buffer[] = [];
  let tables = 0;
  let blobs = 0;
  for await (const t of TableServiceClient.fromConnectionString(conn, insecure).listTables()) {
    if (!t.name?.toLowerCase().startsWith(prefix.toLowerCase())) continue;
    tables++;
    for await (const e of TableClient.fromConnectionString(conn, t.name, insecure).listEntities<Record<string, unknown>>()) {
      for (const [k, v] of Object.entries(e)) {
        bytes.push(Buffer.from(k));
        bytes.push(v instanceof Uint8Array ? Buffer.from(v) : Buffer.from(typeof v === "string" ? v : JSON.stringify(v ?? null)));
      }
    }
  }
  const service = BlobServiceClient.fromConnectionString(conn);
  for await (const c of service.listContainers()) {
    if (!c.name.startsWith(prefix.toLowerCase())) continue;
    const container = service.getContainerClient(c.name);
    for await (const b of container.listBlobsFlat({ includeMetadata: true })) {
      blobs++;
      bytes.push(Buffer.from(b.name), Buffer.from(JSON.stringify(b.metadata ?? {})));
      bytes.push(await container.getBlobClient(b.name).downloadToBuffer());
    }
  }
  return { bytes, tables, blobs };
}

async function writeEverything(env: string) {
  const as = { oid: DATA_USER, roles: ["Environment.User"] };
  for (const value of [secrets.value, secrets.unicode, { nested: secrets.value, list: [secrets.unicode] }]) {
    const r = await kw.call("PUT", `environments/${env}/records/${secrets.table}/${secrets.recordId}`, { as, body: JSON.stringify(value) });
    expect([200, 201]).toContain(r.status);
  }
  const big = await kw.call("PUT", `environments/${env}/records/${secrets.table}/${secrets.recordId}-big`, { as, body: { text: `${secrets.value} `.repeat(4000) } });
  expect(big.status).toBe(201); // over a table property: spills to a blob
  const f = await kw.call("PUT", `environments/${env}/files/${secrets.path}`, { as, raw: Buffer.from(secrets.fileBody.repeat(50)) });
  expect(f.status).toBe(200);
  const backup = await kw.platformAdmin("POST", `environments/${env}/backups`);
  expect(backup.status).toBe(202);
  await waitForOperation(kw, backup.body.operationId, { timeoutMs: 60_000 });
}

describe("plaintext at rest", () => {
  it("finds no value, table name, record id or file path anywhere in storage", async () => {
    const { policy } = await kw.customerPolicy();
    const onPlatform = await kw.environment();
    const onCustomer = await kw.environment();
    await writeEverything(onPlatform);
    await writeEverything(onCustomer);
    const add = await kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [onCustomer] });
    expect(add.status).toBe(202);
    const op = await waitForOperation(kw, add.body.operations[0].operationId, { timeoutMs: 60_000 });
    expect(op.status).toBe("Succeeded");
    // The data is really there: read back through the API.
    const read = await kw.user("GET", `environments/${onCustomer}/records/${secrets.table}/${secrets.recordId}`);
    expect(read.body.value).toEqual({ nested: secrets.value, list: [secrets.unicode] });

    const scan = await scanNamespace(kw.stack.appSettings.KEYWARD_STATE_PREFIX);
    expect(scan.tables).toBeGreaterThan(3);
    expect(scan.blobs).toBeGreaterThan(2);
    // Positive control: the search does find a needle planted in what it scans.
    expect(needles().some((n) => Buffer.concat([Buffer.from("x"), Buffer.from(secrets.value)]).includes(n))).toBe(true);
    const haystack = Buffer.concat(scan.bytes);
    for (const n of needles()) expect(haystack.includes(n), `found ${n.toString()}`).toBe(false);
  });

  it("refuses a ciphertext flipped by one bit with 500 CiphertextIntegrityFailure, returning nothing of it", async () => {
    const env = await kw.environment();
    const put = await kw.user("PUT", `environments/${env}/records/${secrets.table}/tampered`, { note: secrets.value });
    expect(put.status).toBe(201);
    const table = TableClient.fromConnectionString(testStorage(), storageNaming(kw.stack.appSettings.KEYWARD_STATE_PREFIX.toLowerCase()).recordTable(await kw.dataIdOf(env)), insecure);
    const rows: Record<string, unknown>[] = [];
    for await (const e of table.listEntities<Record<string, unknown>>()) rows.push(e);
    expect(rows).toHaveLength(1);
    const row = rows[0] as { partitionKey: string; rowKey: string; e: Uint8Array | string };
    const envelope = Buffer.from(row.e instanceof Uint8Array ? row.e : Buffer.from(String(row.e), "base64"));
    envelope[envelope.length - 20] ^= 0x01;
    await table.updateEntity({ partitionKey: row.partitionKey, rowKey: row.rowKey, e: row.e instanceof Uint8Array ? new Uint8Array(envelope) : envelope.toString("base64") }, "Merge");

    const got = await kw.user("GET", `environments/${env}/records/${secrets.table}/tampered`);
    expect(got.status).toBe(500);
    expect(got.body.error.code).toBe("CiphertextIntegrityFailure");
    expect(JSON.stringify(got.body)).not.toContain("Diagnosis");
  });
});
