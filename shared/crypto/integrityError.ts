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

export class IntegrityError extends KeywardError {
  override name = "IntegrityError";
  constructor(readonly failure: IntegrityFailure, message: string) {
    super("integrity", "CiphertextIntegrityFailure", message);
  }
}
