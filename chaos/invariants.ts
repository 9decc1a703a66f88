// The checks at the end of a campaign, with every fault cleared: every operation ended, no
// environment stuck (locked, failed, half-way), every remembered record reads back as the model
// allows (the last acknowledged write, nothing deleted back), no plaintext anywhere in the
// storage account, and every row and blob under a DEK its environment's key ring still holds
// wrapped (no DEK needed and missing), and no storage generation that no environment knows of.
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { BlobServiceClient } from "@azure/storage-blob";
import { StateStore } from "../shared/state/stateStore";
import { KeyRingRepository } from "../shared/data/keyRingRepository";
import { storageNaming } from "../shared/data/naming";
import type { Counters } from "./counters";
import type { Api } from "./api";
import type { Operations } from "./operations";
import type { Environment, World } from "./world";
import { PLAINTEXT_MARKER, type Worker } from "./workload";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SETTLED = ["Encrypted", "PlatformManaged"];

export interface Checked {
  world: World;
  api: Api;
  operations: Operations;
  workers: Map<string, Worker>;
  counters: Counters;
  storage: string;
  namespace: string;
  /** How long the environments get to settle once the faults are cleared. */
  settleMs: number;
}

interface HistoryEntry { operation: string; status: string; startedAt: string }

async function history(c: Checked, env: Environment): Promise<HistoryEntry[] | undefined> {
  const got = await c.api.call<{ value: HistoryEntry[] }>(env.tenant, "Platform.Admin", "GET", `environments/${env.name}/history`);
  return got.status === 200 ? got.body.value : undefined;
}

/** Waits for every environment to settle: no operation running, not locked (unlock asked for), a final status. */
async function settle(c: Checked): Promise<Map<string, string>> {
  const deadline = Date.now() + c.settleMs;
  const problems = new Map<string, string>();
  for (;;) {
    problems.clear();
    for (const env of c.world.environments) {
      const view = await c.operations.view(env);
      const ops = await history(c, env);
      if (!view || !ops) { problems.set(env.name, "keyward did not answer for it"); continue; }
      const running = ops.filter((o) => o.status === "Running");
      if (running.length) problems.set(env.name, `operation(s) still running: ${running.map((o) => `${o.operation} since ${o.startedAt}`).join("; ")}`);
      else if (view.state === "Locked") {
        problems.set(env.name, `locked with its key reachable again: ${JSON.stringify(view)}`);
        await c.api.call(env.tenant, "Platform.Admin", "POST", `environments/${env.name}/unlock`);
      } else if (!SETTLED.includes(view.encryption.status)) problems.set(env.name, `stuck in ${view.encryption.status}: ${JSON.stringify(view.encryption)}`);
    }
    if (problems.size === 0 || Date.now() > deadline) return problems;
    await sleep(2000);
  }
}

async function checkData(c: Checked): Promise<void> {
  for (const [name, worker] of c.workers) {
    if (worker.dirty) { c.counters.violation(`${name}: a restore, copy or reset into it never succeeded, so its data is unknown`); continue; }
    for (const [id, record] of worker.model.records) {
      let got = await worker.read(id);
      for (let i = 0; got === "unavailable" && i < 20; i++) { await sleep(1000); got = await worker.read(id); }
      c.counters.bump("final.records.checked");
      if (got === "unavailable") {
        c.counters.violation(`${name}: its records cannot be read at the end (${id} answered no data for 20 s)`);
        break;
      } else if (!record.observe(got)) c.counters.violation(`${name}/${id} reads back ${got ?? "never written"}; possible: ${record.allowed().map((o) => o ?? "never written").join(", ")}`);
    }
  }
}

/** The marker as storage could hold it: UTF-8, UTF-16, hex, base64 and base64url at every alignment. */
function markerForms(): Buffer[] {
  const needle = Buffer.from(PLAINTEXT_MARKER);
  const b64 = [0, 1, 2].map((pad) => {
    const s = Buffer.concat([Buffer.alloc(pad), needle]).toString("base64");
    return s.slice(Math.ceil(pad / 3) * 4, Math.floor((pad + needle.length) / 3) * 4);
  });
  return [needle, Buffer.from(PLAINTEXT_MARKER, "utf16le"), Buffer.from(needle.toString("hex")), Buffer.from(needle.toString("hex").toUpperCase()),
    ...b64.map((s) => Buffer.from(s)), ...b64.map((s) => Buffer.from(s.replace(/\+/g, "-").replace(/\//g, "_")))];
}

/** Every byte a storage reader sees of an entity: property names, strings, binary values as stored and as base64. */
function flatten(value: unknown, out: Buffer[] = []): Buffer {
  if (value instanceof Uint8Array) out.push(Buffer.from(value), Buffer.from(Buffer.from(value).toString("base64")));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) { out.push(Buffer.from(k)); flatten(v, out); }
  else if (value !== undefined && value !== null) out.push(Buffer.from(String(value)));
  // A separator no form contains, so a match never spans two values.
  return Buffer.concat(out.flatMap((b) => [b, Buffer.from([0])]));
}

function found(haystack: Buffer, forms: Buffer[]): boolean {
  return forms.some((f) => haystack.includes(f));
}

/** Reads every table entity and every blob (name, metadata, content) of the account, or of its tables and containers whose names start with `prefix`. */
export async function checkPlaintext(c: Pick<Checked, "storage" | "counters">, prefix = ""): Promise<void> {
  const forms = markerForms();
  const tables = TableServiceClient.fromConnectionString(c.storage, { allowInsecureConnection: true });
  for await (const t of tables.listTables()) {
    if (!t.name!.toLowerCase().startsWith(prefix.toLowerCase())) continue;
    const client = TableClient.fromConnectionString(c.storage, t.name!, { allowInsecureConnection: true });
    for await (const e of client.listEntities<Record<string, unknown>>()) {
      c.counters.bump("final.plaintextScan.entities");
      if (found(flatten(e), forms)) c.counters.violation(`plaintext in table ${t.name}, entity ${e.partitionKey}/${e.rowKey}`);
    }
  }
  const blobs = BlobServiceClient.fromConnectionString(c.storage);
  for await (const container of blobs.listContainers({ prefix: prefix.toLowerCase() })) {
    const client = blobs.getContainerClient(container.name);
    for await (const b of client.listBlobsFlat({ includeMetadata: true })) {
      c.counters.bump("final.plaintextScan.blobs");
      const content = await client.getBlobClient(b.name).downloadToBuffer();
      if (found(Buffer.concat([Buffer.from(b.name), Buffer.from(JSON.stringify(b.metadata ?? {})), content]), forms)) {
        c.counters.violation(`plaintext in blob ${container.name}/${b.name}`);
      }
    }
  }
}

/** Every record row and blob names a DEK that its environment's key ring holds, not retired and wrapped. */
async function checkDeks(c: Checked): Promise<void> {
  const state = new StateStore(c.storage, c.namespace);
  const rings = new KeyRingRepository({ connectionString: c.storage, tableName: `${c.namespace}KeyRings` });
  const naming = storageNaming(c.namespace.toLowerCase());
  for (const env of c.world.environments) {
    const found = await state.forTenant(env.tenant.tid).getEnvironment(env.name);
    if (!found) { c.counters.violation(`${env.name}: no state row`); continue; }
    const ring = await rings.read(found.dataId);
    const usable = new Set((ring?.deks ?? []).filter((d) => d.state !== "retired" && d.wrapped.length > 0).map((d) => d.dekId));
    const needed = new Map<string, number>();
    const table = TableClient.fromConnectionString(c.storage, naming.recordTable(found.dataId), { allowInsecureConnection: true });
    try {
      for await (const e of table.listEntities<{ dek?: string }>({ queryOptions: { select: ["dek"] } })) if (e.dek) needed.set(e.dek, (needed.get(e.dek) ?? 0) + 1);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
    const container = BlobServiceClient.fromConnectionString(c.storage).getContainerClient(naming.container(found.dataId));
    if (await container.exists()) {
      for await (const b of container.listBlobsFlat({ includeMetadata: true })) {
        const dek = b.metadata?.dek;
        if (dek) needed.set(dek, (needed.get(dek) ?? 0) + 1);
      }
    }
    c.counters.bump("final.deks.itemsChecked", [...needed.values()].reduce((s, n) => s + n, 0));
    // The violation names the count, never the DEK id (an internal identifier).
    for (const [dek, n] of needed) if (!usable.has(dek)) c.counters.violation(`${env.name}: ${n} stored item(s) under a DEK its key ring no longer holds wrapped`);
  }
}

/**
 * Every storage generation in the namespace (a records table or a data container named by a data
 * id) is an environment's current one or one it lists as retired, still to delete: a reset that
 * switched generations leaves nothing behind that nobody would delete.
 */
export async function checkGenerations(c: Pick<Checked, "storage" | "namespace" | "counters"> & { world: Pick<World, "environments"> }): Promise<void> {
  const state = new StateStore(c.storage, c.namespace);
  const naming = storageNaming(c.namespace.toLowerCase());
  const known = new Set<string>();
  for (const env of c.world.environments) {
    const found = await state.forTenant(env.tenant.tid).getEnvironment(env.name);
    if (!found) continue; // checkDeks reports it
    known.add(naming.recordTable(found.dataId));
    for (const retired of found.retiredDataIds ?? []) {
      known.add(naming.recordTable(retired));
      c.counters.bump("final.generations.retiredLeft");
    }
  }
  const generation = new RegExp(`^${c.namespace.toLowerCase()}[0-9a-f]{32}$`);
  const tables = TableServiceClient.fromConnectionString(c.storage, { allowInsecureConnection: true });
  for await (const t of tables.listTables()) {
    if (generation.test(t.name!) && !known.has(t.name!)) c.counters.violation(`records table ${t.name} belongs to no environment's current or retired generation`);
  }
  // Table and container of one generation share a name (naming.ts).
  for await (const container of BlobServiceClient.fromConnectionString(c.storage).listContainers({ prefix: c.namespace.toLowerCase() })) {
    if (generation.test(container.name) && !known.has(container.name)) c.counters.violation(`data container ${container.name} belongs to no environment's current or retired generation`);
  }
}

export async function checkInvariants(c: Checked): Promise<void> {
  const problems = await settle(c);
  for (const [env, why] of problems) c.counters.violation(`${env}: ${why}`);
  for (const what of c.operations.abandoned) c.counters.violation(`never ended: ${what}`);
  await checkData(c);
  await checkPlaintext(c);
  await checkDeks(c);
  await checkGenerations(c);
}
