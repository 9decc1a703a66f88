// A genuine RSA-OAEP-256 key wrapper on node:crypto for tests: real RSA key pairs, real OAEP with
// SHA-256, Key Vault shaped versioned key ids. Each key can gain versions (rotation) and lose
// access (revocation), as a vault key would.
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from "node:crypto";
import { WRAP_ALGORITHM, type KeyWrapper, type WrappedDek } from "../../../shared/crypto/keyWrapper";

export class TestKeyAccessLost extends Error {
  readonly kind = "AccessLost";
  constructor(keyId: string) {
    super(`Access to ${keyId} was revoked`);
  }
}

export class RsaTestKey implements KeyWrapper {
  readonly keyName: string;
  private readonly versions = new Map<string, { publicKey: KeyObject; privateKey: KeyObject }>();
  private current = "";
  revoked = false;
  wraps = 0;
  unwraps = 0;

  constructor(vault = "testvault", name = `key${randomBytes(3).toString("hex")}`) {
    this.keyName = `https://${vault}.vault.azure.net/keys/${name}`;
    this.rotate();
  }

  /** A new key version becomes current, as Key Vault's "new version"; old versions still unwrap. */
  rotate(): string {
    this.current = `${this.keyName}/${randomBytes(16).toString("hex")}`;
    this.versions.set(this.current, generateKeyPairSync("rsa", { modulusLength: 2048 }));
    return this.current;
  }

  get currentKeyId(): string {
    return this.current;
  }

  async wrap(dek: Uint8Array): Promise<WrappedDek> {
    if (dek.length !== 32) throw new Error("wrap: a DEK is 32 bytes");
    if (this.revoked) throw new TestKeyAccessLost(this.current);
    this.wraps++;
    const { publicKey } = this.versions.get(this.current)!;
    const wrapped = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, dek);
    return { wrapped: new Uint8Array(wrapped), keyId: this.current, algorithm: WRAP_ALGORITHM };
  }

  async unwrap(wrapped: WrappedDek): Promise<Uint8Array> {
    if (this.revoked) throw new TestKeyAccessLost(wrapped.keyId);
    const version = this.versions.get(wrapped.keyId);
    if (!version || wrapped.algorithm !== WRAP_ALGORITHM) throw new Error(`unwrap: ${wrapped.keyId} is not a version of ${this.keyName}`);
    this.unwraps++;
    const dek = privateDecrypt({ key: version.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, wrapped.wrapped);
    return new Uint8Array(dek);
  }
}
