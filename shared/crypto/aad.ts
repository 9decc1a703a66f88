// The canonical encoding of where a ciphertext lives, used as AES-GCM additional authenticated
// data (and, with another domain tag, as HMAC input for blind indexes).
//
// Every field is length-prefixed, so no two different field lists encode to the same bytes:
// ("ab", "c") and ("a", "bc") differ in their length prefixes. Concatenating with a separator
// would not be enough, because names may contain any separator we could pick.
import { needs } from "../errors";

export type StoreName = "records" | "files" | "backups";
const STORES: readonly StoreName[] = ["records", "files", "backups"];

/**
 * Where a ciphertext lives. The stores fill `container` and `itemId` with *storage keys* (blind
 * indexes), not with the names themselves: re-encryption and listing open ciphertexts found by
 * scanning storage, where only the storage keys are known. A blind index is an injective stand-in
 * for the name (HMAC under the environment's index key), and the stores check the names inside the
 * plaintext against it after decrypting, so the binding to the names is the same.
 */
export interface BindingContext {
  environmentId: string;
  store: StoreName;
  /** records: blind index of the table name. files: blind index of the file path. */
  container: string;
  /** records: the row key (blind index of table + record id). files: "". */
  itemId: string;
}

/** A lone surrogate encodes to U+FFFD in UTF-8, so two different strings would encode alike. */
const LONE_SURROGATE = /\p{Cs}/u;
const encoder = new TextEncoder();

/** Length-prefixed (u32 big-endian byte length + UTF-8) concatenation of `fields`. */
export function canonicalEncode(fields: readonly string[]): Uint8Array {
  const parts = fields.map((field, i) => {
    needs(typeof field === "string", `Field ${i} of a canonical encoding must be a string: only strings have one exact encoding`);
    needs(!LONE_SURROGATE.test(field), `Field ${i} of a canonical encoding contains a lone surrogate, which UTF-8 cannot represent exactly (two fields would encode alike)`);
    return encoder.encode(field);
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const part of parts) {
    view.setUint32(offset, part.length, false);
    out.set(part, offset + 4);
    offset += 4 + part.length;
  }
  return out;
}

/**
 * Reads `count` length-prefixed fields from the front of `bytes` (the inverse of canonicalEncode
 * for a prefix) and returns them with the remaining bytes. Undefined when the bytes do not hold
 * that many well-formed fields.
 */
export function canonicalDecodePrefix(bytes: Uint8Array, count: number): { fields: string[]; rest: Uint8Array } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const fields: string[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > bytes.length) return undefined;
    const length = view.getUint32(offset, false);
    if (offset + 4 + length > bytes.length) return undefined;
    try {
      fields.push(decoder.decode(bytes.subarray(offset + 4, offset + 4 + length)));
    } catch {
      return undefined;
    }
    offset += 4 + length;
  }
  return { fields, rest: bytes.subarray(offset) };
}

/** The domain tag keeps this encoding from ever colliding with another use of canonicalEncode. */
const BINDING_DOMAIN = "keyward/binding-context/v1";

export function encodeBindingContext(context: BindingContext): Uint8Array {
  needs(STORES.includes(context.store), `Unknown store ${JSON.stringify(context.store)}: an unset or unknown store would bind a ciphertext to nothing`);
  needs(context.environmentId, "A binding context needs an environment id: without one a ciphertext would open in any environment");
  return canonicalEncode([BINDING_DOMAIN, context.environmentId, context.store, context.container, context.itemId]);
}
