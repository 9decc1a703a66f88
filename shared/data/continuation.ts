// Continuation tokens of a listing, sealed: where the listing stopped is a storage key (a blind
// index) that no client may see, so the token is AES-256-GCM ciphertext of the cursor under a key
// derived (HKDF-SHA256) from the environment's index key, with the tenant, environment and table
// it lists as associated data. A token from another environment, tenant or table, or altered in
// any bit, fails to open: 400 InvalidContinuationToken, and nothing of the listing is said.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { canonicalEncode } from "../crypto/aad";
import { invalid } from "../errors";

const FORMAT = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Long enough for any cursor this code writes; a longer token is refused before any crypto. */
const MAX_TOKEN_CHARS = 4096;
const DOMAIN = "keyward/continuation/v1";

/** What a token is bound to: the listing it continues. */
export interface ListingBinding {
  /** The environment's data id (its storage and ciphertexts are bound to it). */
  environmentId: string;
  table: string;
  /** Who may continue it beyond the environment, e.g. "{tenant}/{environment name}"; "" when the caller binds nothing more. */
  scope: string;
}

function tokenKey(indexKey: Uint8Array, binding: ListingBinding): Buffer {
  return Buffer.from(hkdfSync("sha256", indexKey, Buffer.from(DOMAIN), canonicalEncode([DOMAIN, "token-key", binding.environmentId]), 32));
}

const aadOf = (binding: ListingBinding) => canonicalEncode([DOMAIN, binding.scope, binding.environmentId, binding.table]);

export function sealContinuation(indexKey: Uint8Array, binding: ListingBinding, cursor: unknown): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", tokenKey(indexKey, binding), nonce);
  cipher.setAAD(aadOf(binding));
  const body = Buffer.concat([cipher.update(JSON.stringify(cursor), "utf8"), cipher.final()]);
  return Buffer.concat([Buffer.from([FORMAT]), nonce, body, cipher.getAuthTag()]).toString("base64url");
}

export function badContinuation() {
  return invalid("InvalidContinuationToken",
    "The continuationToken is not one a listing of this table returned: it was changed, or comes from another table or environment. Start the listing again without it.",
    "continuationToken");
}

/** The cursor inside a token this listing sealed; 400 InvalidContinuationToken for anything else. */
export function openContinuation(indexKey: Uint8Array, binding: ListingBinding, token: string): unknown {
  if (token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) throw badContinuation();
  const bytes = Buffer.from(token, "base64url");
  if (bytes.length < 1 + NONCE_BYTES + TAG_BYTES || bytes[0] !== FORMAT) throw badContinuation();
  try {
    const decipher = createDecipheriv("aes-256-gcm", tokenKey(indexKey, binding), bytes.subarray(1, 1 + NONCE_BYTES));
    decipher.setAAD(aadOf(binding));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(bytes.subarray(1 + NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
    return JSON.parse(plain.toString("utf8"));
  } catch {
    throw badContinuation();
  }
}
