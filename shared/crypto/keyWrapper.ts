// The one small interface every key-encryption key sits behind (the "keyring" of the AWS
// Encryption SDK): the platform-managed key, a customer key version in Azure Key Vault, and the
// legacy BYOK tenant key all wrap and unwrap DEKs through it. Nothing else in keyward touches a
// key-encryption key.

/** The algorithm every wrapped DEK uses. RSA-OAEP (SHA-1) is never used: the SDK performs it
 * locally with the public key and would keep "working" after the key is revoked. */
export const WRAP_ALGORITHM = "RSA-OAEP-256" as const;

export interface WrappedDek {
  /** The DEK encrypted under the key version named by `keyId`. */
  wrapped: Uint8Array;
  /** The *versioned* key id that produced `wrapped` (https://{vault}/keys/{name}/{version}). */
  keyId: string;
  algorithm: typeof WRAP_ALGORITHM;
}

export interface KeyWrapper {
  /** Which key this wrapper stands for, versionless, for logs, errors and cache purges. */
  readonly keyName: string;
  /**
   * Precondition: `dek` is 32 bytes.
   * Postcondition: the result names the exact key version used, and unwrapping it through the
   * vault (never locally) gives `dek` back.
   */
  wrap(dek: Uint8Array): Promise<WrappedDek>;
  /**
   * Precondition: `wrapped.keyId` is a versioned key id this wrapper's key owns.
   * Postcondition: a 32-byte DEK, obtained by a remote unwrap, so a revoked, disabled, expired or
   * deleted key fails here (KeyAccessError), never silently.
   */
  unwrap(wrapped: WrappedDek): Promise<Uint8Array>;
}
