// One key ring per environment in one table. The ring is JSON, spilled over several string
// properties when it outgrows one (64 KiB per property); updates are optimistic: read with the
// ETag, apply the mutator, write with If-Match, and on 412 re-read and apply the mutator again,
// so concurrent writers never overwrite each other's DEKs.
import type { TableClient, TableEntityResult } from "@azure/data-tables";
import { conflict, contention, needs, notFound } from "../errors";
import { assertKeyRing, type KeyRing } from "../crypto/keyRing";
import { isConflict, isNotFound, tableClient, type StorageRef } from "../storage/clients";
import { assertEnvironmentId } from "./validation";

const ROW_KEY = "keyring";
/** Characters per property. JSON is kept ASCII (below), and a string property holds 64 KiB of UTF-16. */
const CHUNK_CHARS = 30_000;
/** An entity holds 1 MiB in all: 16 chunks of 60 KB leave room for the system properties. */
const MAX_CHUNKS = 16;
const MAX_ATTEMPTS = 64;

type RingEntity = { partitionKey: string; rowKey: string; version: number; chunks: number } & Record<string, unknown>;

/** Escaping non-ASCII keeps every chunk boundary on a character boundary and the byte size at 2 per char. */
function asciiJson(ring: KeyRing): string {
  return JSON.stringify(ring).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function toEntity(ring: KeyRing): RingEntity {
  const json = asciiJson(ring);
  const chunks = Math.max(1, Math.ceil(json.length / CHUNK_CHARS));
  if (chunks > MAX_CHUNKS) {
    throw new Error(`The key ring of ${ring.environmentId} is ${json.length} characters, over the ${MAX_CHUNKS * CHUNK_CHARS} a table entity holds; retire DEKs or drop unused wrapped copies`);
  }
  const entity: RingEntity = { partitionKey: ring.environmentId, rowKey: ROW_KEY, version: ring.version, chunks };
  for (let i = 0; i < chunks; i++) entity[`json${i}`] = json.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
  return entity;
}

function fromEntity(entity: TableEntityResult<Record<string, unknown>>): KeyRing {
  const chunks = Number(entity.chunks);
  const parts: string[] = [];
  for (let i = 0; i < chunks; i++) {
    const part = entity[`json${i}`];
    if (typeof part !== "string") throw new Error(`The key ring entity of ${entity.partitionKey} is missing part ${i}`);
    parts.push(part);
  }
  const ring = assertKeyRing(JSON.parse(parts.join("")) as KeyRing);
  needs(ring.environmentId === entity.partitionKey, `the key ring is the one stored under this environment, not a copied entity: ${entity.partitionKey} holds the ring of ${ring.environmentId}`);
  return ring;
}

const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6))));

export class KeyRingRepository {
  private readonly table: TableClient;
  private ready?: Promise<void>;

  constructor(options: { connectionString: StorageRef; tableName: string }) {
    this.table = tableClient(options.connectionString, options.tableName);
  }

  private ensureTable(): Promise<void> {
    this.ready ??= this.table.createTable().catch((err) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private async readWithEtag(environmentId: string): Promise<{ ring: KeyRing; etag: string } | undefined> {
    assertEnvironmentId(environmentId);
    await this.ensureTable();
    try {
      const entity = await this.table.getEntity<Record<string, unknown>>(environmentId, ROW_KEY);
      return { ring: fromEntity(entity), etag: entity.etag };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async read(environmentId: string): Promise<KeyRing | undefined> {
    return (await this.readWithEtag(environmentId))?.ring;
  }

  /** Stores a new ring. 409 KeyRingExists when the environment already has one. */
  async create(ring: KeyRing): Promise<KeyRing> {
    assertKeyRing(ring);
    assertEnvironmentId(ring.environmentId);
    await this.ensureTable();
    try {
      await this.table.createEntity(toEntity(ring));
    } catch (err) {
      if (isConflict(err)) throw conflict("KeyRingExists", `Environment ${ring.environmentId} already has a key ring.`, ring.environmentId);
      throw err;
    }
    return ring;
  }

  /**
   * Applies `mutator` to the current ring and stores the result if no one wrote in between;
   * otherwise re-reads and applies it again. The mutator must be a function of the ring it is
   * given (it may run several times). Returning the ring unchanged (the same object) writes nothing.
   */
  async update(environmentId: string, mutator: (ring: KeyRing) => KeyRing | Promise<KeyRing>): Promise<KeyRing> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.readWithEtag(environmentId);
      if (!current) throw notFound("KeyRingNotFound", `Environment ${environmentId} has no key ring; initialize its data first.`, environmentId);
      const next = await mutator(current.ring);
      if (next === current.ring) return next;
      // The mutator's result: a valid ring (its invariants), of the same environment, moved forward.
      assertKeyRing(next);
      needs(next.environmentId === environmentId, "a key ring mutator keeps the environment id");
      needs(next.version > current.ring.version, "a key ring mutator returns a ring with a higher version");
      try {
        await this.table.updateEntity(toEntity(next), "Replace", { etag: current.etag });
        return next;
      } catch (err) {
        if (!isConflict(err)) throw err;
        await backoff(attempt);
      }
    }
    throw contention("KeyRingContention", `The key ring of ${environmentId} kept changing during ${MAX_ATTEMPTS} attempts to update it; retry.`, environmentId, 1);
  }

  async delete(environmentId: string): Promise<void> {
    assertEnvironmentId(environmentId);
    await this.ensureTable();
    try {
      await this.table.deleteEntity(environmentId, ROW_KEY);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
