// The one error for "this ciphertext cannot be trusted": tampered, truncated, moved to another
// place, opened with the wrong DEK, or naming a DEK the environment does not have. Its message
// never carries plaintext or key material; the HTTP layer turns it into a 500 with no details.
import { KeywardError } from "../errors";

export type IntegrityFailure =
  /** The bytes are not a keyward envelope of a known format. */
  | "Malformed"
  /** AES-GCM authentication failed: modified bytes, other location, or wrong key. */
  | "AuthenticationFailed"
  /** The header names a DEK the key ring does not hold (or holds only as retired). */
  | "UnknownDek"
  /** Decrypted fine, but the names inside do not match where the item is stored. */
  | "LocationMismatch";

/** What a client may read of each failure: no DEK id, row or blob key, data id. */
const CLIENT_MESSAGES: Record<IntegrityFailure, string> = {
  Malformed: "the stored item is not in keyward's format",
  AuthenticationFailed: "the stored item failed authentication: it was modified, moved from elsewhere, or opened with the wrong key",
  UnknownDek: "the stored item names a data key its environment no longer holds",
  LocationMismatch: "the stored item belongs to another place",
};

export class IntegrityError extends KeywardError {
  override name = "IntegrityError";
  /** `detail`: what exactly failed, with the internal identifiers (DEK, row, blob); kept off every client-visible message. */
  constructor(readonly failure: IntegrityFailure, detail: string) {
    super("integrity", "CiphertextIntegrityFailure", CLIENT_MESSAGES[failure], { detail });
  }
}
