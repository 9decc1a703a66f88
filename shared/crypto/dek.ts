// Data-encryption keys: 32 random bytes for AES-256-GCM, each with a random id that ciphertexts
// carry in their header so any stored item names the exact DEK that can open it.
import { randomBytes } from "node:crypto";
import { needs } from "../errors";

export const DEK_BYTES = 32;

/** Random ids, not derived from the key: an id must reveal nothing about the key it names. */
const DEK_ID_BYTES = 16;
/** base64url alphabet only, so an id is safe in table properties, blob metadata and cache keys. */
const DEK_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export interface Dek {
  readonly id: string;
  /** The raw key. Lives only in memory; never logged, never stored unwrapped. */
  readonly key: Uint8Array;
}

export function newDekId(): string {
  return randomBytes(DEK_ID_BYTES).toString("base64url");
}

export function isDekId(value: unknown): value is string {
  return typeof value === "string" && DEK_ID_PATTERN.test(value);
}

export function generateDek(): Dek {
  const dek = { id: newDekId(), key: new Uint8Array(randomBytes(DEK_BYTES)) };
  needs(dek.key.length === DEK_BYTES && isDekId(dek.id), "DEK generation gives a usable AES-256 key under a well-formed id");
  return dek;
}

/** The check every function that is handed a DEK makes first. */
export function assertDek(dek: Dek): void {
  needs(isDekId(dek.id), "DEK id must be 1-64 base64url characters: ciphertext headers, table properties and blob metadata carry it");
  needs(dek.key instanceof Uint8Array && dek.key.length === DEK_BYTES, `DEK ${dek.id} must be ${DEK_BYTES} bytes: AES-256 takes no other key size`);
}
