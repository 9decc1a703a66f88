// What the lock and backup end-to-end tests share: putting an environment on a policy and waiting
// for it, seeding a few records and files with recognisable markers, reading them back, waiting
// for operations, and the data API's view of an environment (status code of one read).
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { DATA_USER, type Keyward } from "./keyward";

export const USER = { oid: DATA_USER, roles: ["Environment.User"] };

export interface Dataset {
  /** recordId -> value */
  records: Map<string, unknown>;
  /** path -> bytes */
  files: Map<string, Buffer>;
}

/** A marker that must never appear in storage in the clear. */
export const MARKER = "PLAINTEXT-MARKER-7f3a";

export async function operation(kw: Keyward, operationId: string) {
  return (await kw.platformAdmin("GET", `operations/${operationId}`)).body;
}

export function waitForOperation(kw: Keyward, operationId: string, timeoutMs = 90_000) {
  return kw.until(`operation ${operationId} to end`, () => operation(kw, operationId), (op) => op?.status !== undefined && op.status !== "Running", timeoutMs);
}

export async function environment(kw: Keyward, env: string) {
  return (await kw.platformAdmin("GET", `environments/${env}`)).body;
}

/** Adds the environments to the policy and waits until each is Encrypted. */
export async function addToPolicy(kw: Keyward, policy: string, envs: string[]): Promise<void> {
  const res = await kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: envs });
  if (res.status !== 202) throw new Error(`add failed: ${res.status} ${JSON.stringify(res.body)}`);
  for (const op of res.body.operations as { operationId: string }[]) {
    const done = await waitForOperation(kw, op.operationId);
    if (done.status !== "Succeeded") throw new Error(`add did not succeed: ${JSON.stringify(done)}`);
  }
}

/** Records in two tables (one large enough to spill to a blob) and a few files, all marked. */
export async function seed(kw: Keyward, env: string, options: { records?: number; files?: number; tag?: string } = {}): Promise<Dataset> {
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
