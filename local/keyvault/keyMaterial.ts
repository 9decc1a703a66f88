// RSA key material: generation, the public JWK, the wrap/unwrap/encrypt/decrypt primitives, and
// the sealing of backup blobs. Private keys are parsed once and cached by version. (EC keys:
// ecKeyMaterial.ts; which key types exist: keyTypes.ts.)
import { constants, createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, generateKeyPair, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { badParameter, VaultError } from "./errors";

const generateKeyPairAsync = promisify(generateKeyPair);

export interface GeneratedKey {
  privateKeyPem: string;
  n: string;
  e: string;
}

/** Generates an RSA key pair off the event loop (4096-bit keys take a while). */
export async function generateRsaKey(keySize: number): Promise<GeneratedKey> {
  const { privateKey } = await generateKeyPairAsync("rsa", { modulusLength: keySize, publicExponent: 65537 });
  const jwk = createPublicKey(privateKey).export({ format: "jwk" });
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    n: String(jwk.n),
    e: String(jwk.e),
  };
}

const privateKeys = new Map<string, KeyObject>();

function privateKeyOf(privateKeyPem: string): KeyObject {
  let key = privateKeys.get(privateKeyPem);
  if (!key) {
    key = createPrivateKey(privateKeyPem);
    if (privateKeys.size > 1000) privateKeys.clear();
    privateKeys.set(privateKeyPem, key);
  }
  return key;
}

export type RsaAlgorithm = "RSA-OAEP" | "RSA-OAEP-256" | "RSA1_5";

function oaepHash(alg: string): "sha1" | "sha256" {
  if (alg === "RSA-OAEP") return "sha1";
  if (alg === "RSA-OAEP-256") return "sha256";
  if (alg === "RSA1_5") {
    // Node refuses PKCS#1 v1.5 decryption (CVE-2023-46809); the local vault refuses the algorithm outright.
    throw badParameter("The algorithm RSA1_5 is not supported by the local vault; use RSA-OAEP-256.");
  }
  throw badParameter(`Invalid algorithm: ${alg}. Supported algorithms are RSA-OAEP and RSA-OAEP-256.`);
}

/** RSA-OAEP encryption with the version's public key (wrapKey / encrypt). */
export function rsaEncrypt(privateKeyPem: string, alg: string, plaintext: Buffer): Buffer {
  const hash = oaepHash(alg);
  try {
    return publicEncrypt({ key: createPublicKey(privateKeyOf(privateKeyPem)), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, plaintext);
  } catch {
    throw badParameter("The value is too long for the key and algorithm.");
  }
}

/** RSA-OAEP decryption with the version's private key (unwrapKey / decrypt). */
export function rsaDecrypt(privateKeyPem: string, alg: string, ciphertext: Buffer): Buffer {
  const hash = oaepHash(alg);
  try {
    return privateDecrypt({ key: privateKeyOf(privateKeyPem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, ciphertext);
  } catch {
    // Azure answers a ciphertext that does not decrypt under this key version with a bare 400.
    throw badParameter("Bad Request");
  }
}

const BACKUP_MAGIC = Buffer.from("KWB1", "ascii");
const BACKUP_AAD = Buffer.from("keyward-local-vault-key-backup", "ascii");

/** Seals a backup payload with the vault's backup key (AES-256-GCM): opaque to the caller, like Azure's. */
export function sealBackup(backupKeyB64: string, payload: unknown): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", Buffer.from(backupKeyB64, "base64"), iv);
  cipher.setAAD(BACKUP_AAD);
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(payload), "utf8"), cipher.final()]);
  return Buffer.concat([BACKUP_MAGIC, iv, cipher.getAuthTag(), ciphertext]);
}

export function openBackup(backupKeyB64: string, blob: Buffer): unknown {
  const invalid = () => new VaultError(400, "BadParameter", "Backup blob contains invalid or corrupt version.");
  if (blob.length < 4 + 12 + 16 || !blob.subarray(0, 4).equals(BACKUP_MAGIC)) throw invalid();
  try {
    const decipher = createDecipheriv("aes-256-gcm", Buffer.from(backupKeyB64, "base64"), blob.subarray(4, 16));
    decipher.setAAD(BACKUP_AAD);
    decipher.setAuthTag(blob.subarray(16, 32));
    const plaintext = Buffer.concat([decipher.update(blob.subarray(32)), decipher.final()]);
    return JSON.parse(plaintext.toString("utf8"));
  } catch {
    throw invalid();
  }
}
