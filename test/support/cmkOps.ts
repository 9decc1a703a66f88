// What the key-operation end-to-end tests share: seeding an environment with records and files,
// reading every one back through the HTTP API, waiting for an operation, and reading the facts
// only storage can tell (which DEK each row and blob is under, their ETags, the key ring), so a
// test can count what an operation rewrote.
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { TableClient } from "@azure/data-tables";
import { BlobServiceClient } from "@azure/storage-blob";
import { DATA_USER, type Keyward } from "./keyward";
import { services } from "../../shared/services";
import { settings } from "../../shared/settings";
import { storageNaming } from "../../shared/data/naming";
import { KeyRingRepository } from "../../shared/data/keyRingRepository";
import type { KeyRing } from "../../shared/crypto/keyRing";

export const USER = { oid: DATA_USER, roles: ["Environment.User"] };

export interface Seeded {
  records: number;
  files: Map<string, Buffer>;
}

export const recordPath = (env: string, i: number) => `environments/${env}/records/t${i % 3}/r${i}`;
export const recordValue = (i: number) => ({ n: i, s: `value-${i}` });

async function inBatches(count: number, width: number, work: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < count; i += width) await Promise.all(Array.from({ length: Math.min(width, count - i) }, (_, j) => work(i + j)));
}

/**
 * Records r0..r{n-1} (three tables) and `files` files. Records go in through the data facade
 * (in process, same storage: quicker than HTTP for a few thousand); files through the API.
 */
export async function seed(kw: Keyward, env: string, records: number, files: number): Promise<Seeded> {
  const { data } = services();
  await inBatches(records, 32, (i) => data.putRecord(env, `t${i % 3}`, `r${i}`, recordValue(i)).then(() => undefined));
  const bodies = new Map<string, Buffer>();
  await inBatches(files, 8, async (i) => {
    const body = randomBytes(64 + (i % 50));
    bodies.set(`dir/f${i}`, body);
    const res = await kw.call("PUT", `environments/${env}/files/dir/f${i}`, { as: USER, raw: body });
    if (res.status !== 200) throw new Error(`file seed failed: ${res.status} ${JSON.stringify(res.body)}`);
  });
  return { records, files: bodies };
}

/** Every record and file reads back exactly through the HTTP API. */
export async function verifyAll(kw: Keyward, env: string, seeded: Seeded): Promise<void> {
  const bad: string[] = [];
  await inBatches(seeded.records, 32, async (i) => {
    const got = await kw.user("GET", recordPath(env, i));
    if (got.status !== 200 || JSON.stringify(got.body.value) !== JSON.stringify(recordValue(i))) bad.push(`r${i}: ${got.status} ${JSON.stringify(got.body)}`);
  });
  await inBatches(seeded.files.size, 16, async (i) => {
    const path = [...seeded.files.keys()][i];
    const got = await kw.call("GET", `environments/${env}/files/${path}`, { as: USER });
    if (got.status !== 200 || Buffer.compare(got.body as Buffer, seeded.files.get(path)!) !== 0) bad.push(`${path}: ${got.status}`);
  });
  expect(bad.slice(0, 5), `${bad.length} item(s) did not read back`).toEqual([]);
}

export async function getEnvironment(kw: Keyward, env: string) {
  return (await kw.platformAdmin("GET", `environments/${env}`)).body;
}

export async function getOperation(kw: Keyward, operationId: string) {
  return (await kw.platformAdmin("GET", `operations/${operationId}`)).body;
}

export function waitForOperation(kw: Keyward, operationId: string, timeoutMs = 90_000) {
  return kw.until(`operation ${operationId} to end`, () => getOperation(kw, operationId), (op) => op?.status !== undefined && op.status !== "Running", timeoutMs);
}

export function waitForStatus(kw: Keyward, env: string, statuses: string[], timeoutMs = 90_000) {
  return kw.until(`environment ${env} to reach ${statuses.join("|")}`, () => getEnvironment(kw, env), (e) => statuses.includes(e?.encryption?.status), timeoutMs);
}

/** Starts adding `env` to `policy`; returns the operation id (fails the test on anything but 202). */
export async function addToPolicy(kw: Keyward, policy: string, env: string): Promise<string> {
  const res = await kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env] });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.operations[0].operationId as string;
}

/**
 * Records the distinct encryption statuses an environment passes through, polling every 25 ms,
 * until stop() is called.
 */
export function watchStatuses(kw: Keyward, env: string): { seen: string[]; stop: () => Promise<string[]> } {
  const seen: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const e = await getEnvironment(kw, env);
      const s = e?.encryption?.status;
      if (s && seen[seen.length - 1] !== s) seen.push(s);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return { seen, stop: async () => { running = false; await loop; return seen; } };
}

// ---- storage-level facts ----

/** Where a keyward keeps its data: this process's settings, unless a test names another (a child process). */
export interface StorageLocation {
  connectionString: string;
  /** KEYWARD_STATE_PREFIX of that keyward. */
  statePrefix: string;
}

const here = (): StorageLocation => ({ connectionString: settings().storageConnectionString, statePrefix: settings().statePrefix });

function naming(where: StorageLocation = here()) {
  return storageNaming(where.statePrefix.toLowerCase());
}

/** Every record row of the environment: row key -> {etag, dek}. */
export async function recordRows(env: string, where: StorageLocation = here()): Promise<Map<string, { etag: string; dek: string }>> {
  const table = TableClient.fromConnectionString(where.connectionString, naming(where).recordTable(env), { allowInsecureConnection: true });
  const rows = new Map<string, { etag: string; dek: string }>();
  for await (const e of table.listEntities<{ dek: string }>({ queryOptions: { select: ["PartitionKey", "RowKey", "dek"] } })) rows.set(`${e.partitionKey}/${e.rowKey}`, { etag: e.etag, dek: e.dek });
  return rows;
}

/** Every file blob of the environment: blob name -> {etag, dek}. */
export async function fileBlobs(env: string): Promise<Map<string, { etag: string; dek: string }>> {
  const container = BlobServiceClient.fromConnectionString(settings().storageConnectionString).getContainerClient(naming().container(env));
  const blobs = new Map<string, { etag: string; dek: string }>();
  for await (const b of container.listBlobsFlat({ prefix: "files/", includeMetadata: true })) blobs.set(b.name, { etag: b.properties.etag!, dek: b.metadata?.dek ?? "" });
  return blobs;
}

export function fileContainer(env: string) {
  return BlobServiceClient.fromConnectionString(settings().storageConnectionString).getContainerClient(naming().container(env));
}

export async function keyRing(env: string): Promise<KeyRing> {
  const repo = new KeyRingRepository({ connectionString: settings().storageConnectionString, tableName: `${settings().statePrefix}KeyRings` });
  const ring = await repo.read(env);
  if (!ring) throw new Error(`no key ring for ${env}`);
  return ring;
}

/** How many entries of `after` differ in ETag from `before` (rewritten), and how many are new or gone. */
export function rewrites(before: Map<string, { etag: string }>, after: Map<string, { etag: string }>): { changed: number; added: number; removed: number } {
  let changed = 0;
  let added = 0;
  for (const [k, v] of after) {
    const b = before.get(k);
    if (!b) added++;
    else if (b.etag !== v.etag) changed++;
  }
  const removed = [...before.keys()].filter((k) => !after.has(k)).length;
  return { changed, added, removed };
}

/** Of the entries in `before`, how many have another ETag (or are gone) in `after`. */
export function changedAmong(before: Map<string, { etag: string }>, after: Map<string, { etag: string }>): number {
  return [...before].filter(([k, v]) => after.get(k)?.etag !== v.etag).length;
}

export function countBy<T>(values: Iterable<T>, key: (v: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[key(v)] = (out[key(v)] ?? 0) + 1;
  return out;
}
