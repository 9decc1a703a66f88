// What the end-to-end tests share about environments: seeding records and files (a numbered
// set, or a marked dataset), reading every one back through the HTTP API, starting and waiting
// for operations, watching statuses, and the facts only storage can tell (which DEK each row and
// blob is under, their ETags, the key ring), so a test can count what an operation rewrote.
// Tests name environments as the API does; storage knows them by their data id, found here.
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { TableClient } from "@azure/data-tables";
import { BlobServiceClient } from "@azure/storage-blob";
import { DATA_USER, PLATFORM_ADMIN, type ApiResult, type Keyward } from "./keyward";
import type { Principal } from "../../local/embeddedApi";
import { services } from "../../shared/services";
import { settings } from "../../shared/settings";
import { storageNaming } from "../../shared/data/naming";
import { KeyRingRepository } from "../../shared/data/keyRingRepository";
import { StateStore } from "../../shared/state/stateStore";
import { LOCAL_TENANT_ID } from "../../local/issuer";
import type { KeyRing } from "../../shared/crypto/keyRing";

export const USER = { oid: DATA_USER, roles: ["Environment.User"] };

/** A marker that must never appear in storage in the clear. */
export const MARKER = "PLAINTEXT-MARKER-7f3a";

export async function getEnvironment(kw: Keyward, env: string) {
  return (await kw.platformAdmin("GET", `environments/${env}`)).body;
}

/** Who reads or writes: a principal (of any tenant), or a caller function such as kw.platformAdmin. */
export type Asker = Principal | ((method: string, route: string, body?: unknown) => Promise<ApiResult>);

/** The local tenant's platform admin (as kw.platformAdmin calls). */
export const PLATFORM_ADMIN_CALLER: Principal = { oid: PLATFORM_ADMIN, roles: ["Platform.Admin"] };

function ask(kw: Keyward, as: Asker, method: string, route: string, body?: unknown): Promise<ApiResult> {
  return typeof as === "function" ? as(method, route, body) : kw.call(method, route, { as, ...(body !== undefined ? { body } : {}) });
}

export async function getOperation(kw: Keyward, operationId: string, as: Asker = PLATFORM_ADMIN_CALLER) {
  return (await ask(kw, as, "GET", `operations/${operationId}`)).body;
}

/**
 * Polls the operation until it has ended (any status but Running), as `as` (the local platform
 * admin by default; another tenant's admin for its own operations). Returns the operation.
 */
export function waitForOperation(kw: Keyward, operationId: string, options: { as?: Asker; timeoutMs?: number } = {}) {
  const as = options.as ?? PLATFORM_ADMIN_CALLER;
  return kw.until(`operation ${operationId} to end`, () => getOperation(kw, operationId, as), (op) => op?.status !== undefined && op.status !== "Running", options.timeoutMs ?? 90_000);
}

/** Starts adding `env` to `policy`; returns the operation id (fails the test on anything but 202). */
export async function startAdd(kw: Keyward, policy: string, env: string): Promise<string> {
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

/** Adds the environments to the policy and waits until each is Encrypted. */
export async function addToPolicyAndWait(kw: Keyward, policy: string, envs: string[]): Promise<void> {
  const res = await kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: envs });
  if (res.status !== 202) throw new Error(`add failed: ${res.status} ${JSON.stringify(res.body)}`);
  for (const op of res.body.operations as { operationId: string }[]) {
    const done = await waitForOperation(kw, op.operationId);
    if (done.status !== "Succeeded") throw new Error(`add did not succeed: ${JSON.stringify(done)}`);
  }
}

// ---- a numbered set: records r0..r{n-1} and files dir/f{i} ----

export interface Seeded {
  records: number;
  files: Map<string, Buffer>;
}

export const recordPath = (env: string, i: number) => `environments/${env}/records/t${i % 3}/r${i}`;
export const recordValue = (i: number) => ({ n: i, s: `value-${i}` });

async function inBatches(count: number, width: number, work: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < count; i += width) await Promise.all(Array.from({ length: Math.min(width, count - i) }, (_, j) => work(i + j)));
}

export interface SeedOptions {
  /** Tables the records are dealt over, record i in t{i % tables}: 3 by default (recordPath). */
  tables?: number;
  /** Record i's value: recordValue by default. */
  value?: (i: number) => unknown;
  /** File i's path: `dir/f{i}` by default. */
  fileName?: (i: number) => string;
  /** File i's bytes: 64 to 113 random bytes by default. */
  fileBody?: (i: number) => Buffer;
  /**
   * How records go in: through the data facade in process (same storage, quicker than HTTP for
   * a few thousand: the default) or through the HTTP API as the data user.
   */
  recordsVia?: "facade" | "api";
  /** How files go in: through the HTTP API as the data user (the default) or the data facade. */
  filesVia?: "facade" | "api";
}

/** Records r0..r{n-1} (in `tables` tables) and `files` files, in or out of process as `options` say. */
export async function seedNumbered(kw: Keyward, env: string, records: number, files: number, options: SeedOptions = {}): Promise<Seeded> {
  const tables = options.tables ?? 3;
  const value = options.value ?? recordValue;
  const fileName = options.fileName ?? ((i: number) => `dir/f${i}`);
  const fileBody = options.fileBody ?? ((i: number) => randomBytes(64 + (i % 50)));
  const facade = (options.recordsVia ?? "facade") === "facade" || options.filesVia === "facade" ? { data: services().data, dataId: await kw.dataIdOf(env) } : undefined;
  await inBatches(records, 32, async (i) => {
    if ((options.recordsVia ?? "facade") === "facade") { await facade!.data.putRecord(facade!.dataId, `t${i % tables}`, `r${i}`, value(i)); return; }
    const res = await kw.user("PUT", `environments/${env}/records/t${i % tables}/r${i}`, value(i));
    if (res.status !== 201 && res.status !== 200) throw new Error(`record seed failed: ${res.status} ${JSON.stringify(res.body)}`);
  });
  const bodies = new Map<string, Buffer>();
  await inBatches(files, 8, async (i) => {
    const name = fileName(i);
    const body = fileBody(i);
    bodies.set(name, body);
    if (options.filesVia === "facade") { await facade!.data.putFile(facade!.dataId, name, body); return; }
    const res = await kw.call("PUT", `environments/${env}/files/${name}`, { as: USER, raw: body });
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

export function waitForStatus(kw: Keyward, env: string, statuses: string[], timeoutMs = 90_000) {
  return kw.until(`environment ${env} to reach ${statuses.join("|")}`, () => getEnvironment(kw, env), (e) => statuses.includes(e?.encryption?.status), timeoutMs);
}

// ---- a marked dataset ----

export interface Dataset {
  /** recordId -> value */
  records: Map<string, unknown>;
  /** path -> bytes */
  files: Map<string, Buffer>;
}


/** Records in two tables (one large enough to spill to a blob) and a few files, all marked. */
export async function seedDataset(kw: Keyward, env: string, options: { records?: number; files?: number; tag?: string } = {}): Promise<Dataset> {
  const tag = options.tag ?? "a";
  const records = new Map<string, unknown>();
  const files = new Map<string, Buffer>();
  const n = options.records ?? 12;
  for (let i = 0; i < n; i++) records.set(`t${i % 2}/r${i}`, { i, tag, note: `${MARKER} record ${i}` });
  records.set("t0/big", { tag, big: `${MARKER} `.repeat(8000) }); // > 64 KiB: stored as a blob
  for (let i = 0; i < (options.files ?? 3); i++) files.set(`docs/f${i}.txt`, Buffer.concat([Buffer.from(`${MARKER} file ${i} ${tag} `), randomBytes(200 + i)]));
  await Promise.all([...records].map(async ([id, value]) => {
    const res = await kw.user("PUT", `environments/${env}/records/${id}`, value);
    if (res.status !== 201 && res.status !== 200) throw new Error(`seed record ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  }));
  for (const [path, body] of files) {
    const res = await kw.call("PUT", `environments/${env}/files/${path}`, { as: USER, raw: body });
    if (res.status !== 200) throw new Error(`seed file ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return { records, files };
}

/** Every record and file of the dataset reads back exactly, and the tables hold nothing else. */
export async function expectData(kw: Keyward, env: string, data: Dataset): Promise<void> {
  for (const [id, value] of data.records) {
    const got = await kw.user("GET", `environments/${env}/records/${id}`);
    expect(got.status, `${env} ${id}: ${JSON.stringify(got.body)}`).toBe(200);
    expect(got.body.value).toEqual(value);
  }
  for (const [path, body] of data.files) {
    const got = await kw.call("GET", `environments/${env}/files/${path}`, { as: USER });
    expect(got.status, `${env} ${path}`).toBe(200);
    expect(Buffer.compare(got.body as Buffer, body)).toBe(0);
  }
  const tables = new Set([...data.records.keys()].map((id) => id.split("/")[0]));
  let listed = 0;
  for (const table of tables) listed += (await kw.user("GET", `environments/${env}/records/${table}?top=1000`)).body.value.length;
  expect(listed).toBe(data.records.size);
}

/** The status code of one data read (200/404 serve; 423 locked; 503 unavailable). */
export async function dataStatus(kw: Keyward, env: string): Promise<number> {
  return (await kw.user("GET", `environments/${env}/records/t0/r0`)).status;
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

/** The data id of an environment of the local tenant, as the keyward at `where` stored it. */
export async function dataIdIn(env: string, where: StorageLocation = here()): Promise<string> {
  const found = await new StateStore(where.connectionString, where.statePrefix).forTenant(LOCAL_TENANT_ID).getEnvironment(env);
  if (!found) throw new Error(`no environment ${env} in ${where.statePrefix}`);
  return found.dataId;
}

/** Every record row of the environment: row key -> {etag, dek}. */
export async function recordRows(env: string, where: StorageLocation = here()): Promise<Map<string, { etag: string; dek: string }>> {
  const table = TableClient.fromConnectionString(where.connectionString, naming(where).recordTable(await dataIdIn(env, where)), { allowInsecureConnection: true });
  const rows = new Map<string, { etag: string; dek: string }>();
  for await (const e of table.listEntities<{ dek: string }>({ queryOptions: { select: ["PartitionKey", "RowKey", "dek"] } })) rows.set(`${e.partitionKey}/${e.rowKey}`, { etag: e.etag, dek: e.dek });
  return rows;
}

/** Every file blob of the environment: blob name -> {etag, dek}. */
export async function fileBlobs(env: string): Promise<Map<string, { etag: string; dek: string }>> {
  const container = await fileContainer(env);
  const blobs = new Map<string, { etag: string; dek: string }>();
  for await (const b of container.listBlobsFlat({ prefix: "files/", includeMetadata: true })) blobs.set(b.name, { etag: b.properties.etag!, dek: b.metadata?.dek ?? "" });
  return blobs;
}

export async function fileContainer(env: string) {
  return BlobServiceClient.fromConnectionString(settings().storageConnectionString).getContainerClient(naming().container(await dataIdIn(env)));
}

export async function keyRing(env: string): Promise<KeyRing> {
  const repo = new KeyRingRepository({ connectionString: settings().storageConnectionString, tableName: `${settings().statePrefix}KeyRings` });
  const ring = await repo.read(await dataIdIn(env));
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
