// What goes inside an envelope. The names travel inside the ciphertext (so listing and
// re-encryption, which find items by scanning storage keys, can recover and check them), in front
// of the value as length-prefixed fields, so reading the names never parses the value.
import { canonicalDecodePrefix, canonicalEncode } from "../crypto/aad";
import { IntegrityError } from "../crypto/integrityError";

const RECORD_TAG = "record/v1";
const FILE_TAG = "file/v1";

export function encodeRecordPayload(table: string, recordId: string, valueJson: string): Uint8Array {
  return new Uint8Array(Buffer.concat([canonicalEncode([RECORD_TAG, table, recordId]), Buffer.from(valueJson, "utf8")]));
}

export function decodeRecordPayload(plaintext: Uint8Array): { table: string; recordId: string; valueJson: Uint8Array } {
  const decoded = canonicalDecodePrefix(plaintext, 3);
  // Authenticated bytes that do not parse were written by something else than this code.
  if (!decoded || decoded.fields[0] !== RECORD_TAG) throw new IntegrityError("Malformed", "Decrypted record payload is not in the record format");
  return { table: decoded.fields[1], recordId: decoded.fields[2], valueJson: decoded.rest };
}

export function encodeFilePayload(path: string, body: Uint8Array): Uint8Array {
  return new Uint8Array(Buffer.concat([canonicalEncode([FILE_TAG, path]), body]));
}

export function decodeFilePayload(plaintext: Uint8Array): { path: string; body: Uint8Array } {
  const decoded = canonicalDecodePrefix(plaintext, 2);
  if (!decoded || decoded.fields[0] !== FILE_TAG) throw new IntegrityError("Malformed", "Decrypted file payload is not in the file format");
  return { path: decoded.fields[1], body: decoded.rest };
}
