// The ciphertext format of every stored record and file:
//
//   offset  size  field
//   0       3     magic "KWE"
//   3       1     format version (1)
//   4       1     n = byte length of the DEK id (1..64)
//   5       n     DEK id (base64url ASCII)
//   5+n     12    nonce (96 random bits)
//   17+n    ...   AES-256-GCM ciphertext
//   end-16  16    GCM tag
//
// AAD = the header (everything before the ciphertext) + the canonical binding context. Binding
// the header means an edited version or DEK id fails authentication even when the edited id names
// another DEK the reader holds; binding the context means a ciphertext copied to another item,
// table, store or environment fails too.
//
// Nonces are random: with 96-bit random nonces one key must stay below ~2^32 encryptions for the
// collision risk to stay negligible. Each DEK's encryptions are counted in the key ring and the
// DEK is rolled over before KEYWARD_DEK_MAX_ENCRYPTIONS (2^30 by default; see
// shared/data/encryptionBudget.ts), so no DEK gets near that bound.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { assertDek, isDekId, type Dek } from "./dek";
import { encodeBindingContext, type BindingContext } from "./aad";
import { IntegrityError } from "./integrityError";

export const ENVELOPE_MAGIC = Uint8Array.from([0x4b, 0x57, 0x45]); // "KWE"
export const ENVELOPE_VERSION = 1;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const MAX_DEK_ID_BYTES = 64;
const CIPHER = "aes-256-gcm";

export interface EnvelopeHeader {
  version: number;
  dekId: string;
  nonce: Uint8Array;
  /** Bytes from the start of the envelope to the first ciphertext byte. */
  headerLength: number;
}

function malformed(why: string): IntegrityError {
  return new IntegrityError("Malformed", `Stored ciphertext is not a valid keyward envelope: ${why}`);
}

/** Reads and checks the header without decrypting. Throws IntegrityError("Malformed"). */
export function parseEnvelopeHeader(bytes: Uint8Array): EnvelopeHeader {
  if (!(bytes instanceof Uint8Array)) throw malformed("not a byte array");
  if (bytes.length < ENVELOPE_MAGIC.length + 2) throw malformed("too short for a header");
  if (ENVELOPE_MAGIC.some((b, i) => bytes[i] !== b)) throw malformed("wrong magic bytes");
  const version = bytes[3];
  if (version !== ENVELOPE_VERSION) throw malformed(`unsupported format version ${version}`);
  const idLength = bytes[4];
  if (idLength < 1 || idLength > MAX_DEK_ID_BYTES) throw malformed("DEK id length out of range");
  const headerLength = 5 + idLength + NONCE_BYTES;
  if (bytes.length < headerLength + TAG_BYTES) throw malformed("truncated");
  const dekId = Buffer.from(bytes.subarray(5, 5 + idLength)).toString("latin1");
  if (!isDekId(dekId)) throw malformed("DEK id is not base64url");
  return { version, dekId, nonce: bytes.slice(5 + idLength, headerLength), headerLength };
}

/** The DEK a ciphertext was sealed with, to look it up before opening. */
export function peekDekId(bytes: Uint8Array): string {
  return parseEnvelopeHeader(bytes).dekId;
}

function aadFor(header: Uint8Array, context: BindingContext): Buffer {
  return Buffer.concat([header, encodeBindingContext(context)]);
}

export function sealEnvelope(input: { dek: Dek; context: BindingContext; plaintext: Uint8Array }): Uint8Array {
  // A 32-byte DEK with a well-formed id (needs() checks in assertDek); the context is checked as it encodes.
  assertDek(input.dek);
  const idBytes = Buffer.from(input.dek.id, "latin1");
  const nonce = randomBytes(NONCE_BYTES);
  const header = Buffer.concat([ENVELOPE_MAGIC, Uint8Array.of(ENVELOPE_VERSION, idBytes.length), idBytes, nonce]);
  const cipher = createCipheriv(CIPHER, input.dek.key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aadFor(header, input.context));
  const body = Buffer.concat([cipher.update(input.plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  const envelope = new Uint8Array(Buffer.concat([header, body, tag]));
  // Postcondition: the result parses back to the DEK id we sealed under, and is exactly
  // header + plaintext length + tag (GCM adds no padding).
  const parsed = parseEnvelopeHeader(envelope);
  if (parsed.dekId !== input.dek.id || envelope.length !== header.length + input.plaintext.length + TAG_BYTES) {
    throw new Error("Envelope sealing produced an inconsistent ciphertext");
  }
  return envelope;
}

/**
 * Decrypts and authenticates. Throws IntegrityError and returns nothing unless every byte of the
 * header, ciphertext and tag is as sealed, for exactly this context, under this DEK.
 */
export function openEnvelope(input: { envelope: Uint8Array; dek: Dek; context: BindingContext }): Uint8Array {
  assertDek(input.dek);
  const header = parseEnvelopeHeader(input.envelope);
  // Precondition: the caller looked up the DEK the header names. Opening with another DEK could
  // only fail authentication; saying so is clearer.
  if (header.dekId !== input.dek.id) {
    throw new IntegrityError("AuthenticationFailed", `Ciphertext names DEK ${header.dekId} but was opened with DEK ${input.dek.id}`);
  }
  const bytes = input.envelope;
  const decipher = createDecipheriv(CIPHER, input.dek.key, header.nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aadFor(bytes.subarray(0, header.headerLength), input.context));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  // GCM streams plaintext out of update() before final() checks the tag, so the output must not
  // escape until final() has succeeded; on failure it is wiped.
  const body = decipher.update(bytes.subarray(header.headerLength, bytes.length - TAG_BYTES));
  try {
    decipher.final();
  } catch {
    body.fill(0);
    throw new IntegrityError(
      "AuthenticationFailed",
      `Ciphertext under DEK ${header.dekId} failed authentication: it was modified, or it does not belong to this ${input.context.store} item of this environment`,
    );
  }
  return new Uint8Array(body.buffer, body.byteOffset, body.length);
}
