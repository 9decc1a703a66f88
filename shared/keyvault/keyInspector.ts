// Reads a key's current version as an identity and checks it against the reference's rules for a
// customer-managed key: RSA or RSA-HSM, 2048 or 3072 bits, wrapKey and unwrapKey permitted,
// enabled, not expired, in a vault with soft delete AND purge protection. Used before a key is
// accepted (enterprise policy creation, adding an environment) so a bad key is refused with a
// clear error instead of failing mid-encryption.
import { KeyAccessError } from "./classify";
import { keyVaultClients, type KeyVaultClientFactory } from "./clientFactory";
import type { KeyVaultIdentity } from "./credentials";
import { withKeyVaultRetry, type VaultRetryPolicy } from "./retry";
import { keyIdFor, parseKeyId } from "./vaultResource";

export interface KeyVersionSummary {
  version: string;
  enabled: boolean;
  createdOn?: Date;
  expiresOn?: Date;
  notBefore?: Date;
}

export interface KeyInfo {
  versionedKeyId: string;
  version: string;
  keyType: string;
  /** Modulus size in bits (from n); undefined for non-RSA keys. */
  keySize?: number;
  keyOps: string[];
  enabled: boolean;
  expiresOn?: Date;
  notBefore?: Date;
  /** The vault's deletion recovery level (Recoverable, Recoverable+Purgeable, Purgeable, ...). */
  recoveryLevel?: string;
  recoverableDays?: number;
  /** Every version, when asked for. */
  versions?: KeyVersionSummary[];
}

export interface CmkViolation {
  code:
    | "KeyTypeNotSupported" | "KeySizeNotSupported" | "KeyOperationsMissing" | "KeyDisabled" | "KeyExpired"
    | "KeyNotYetValid" | "SoftDeleteRequired" | "PurgeProtectionRequired";
  message: string;
}

export const SUPPORTED_KEY_TYPES = ["RSA", "RSA-HSM"] as const;
export const SUPPORTED_KEY_SIZES = [2048, 3072] as const;

/** Bit length of an unsigned big-endian integer (leading zero bytes ignored). */
export function modulusBits(n: Uint8Array): number {
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  if (i === n.length) return 0;
  return (n.length - i - 1) * 8 + (32 - Math.clz32(n[i]));
}

export interface InspectOptions {
  includeVersions?: boolean;
  clients?: KeyVaultClientFactory;
  retry?: Partial<VaultRetryPolicy>;
}

/** Reads the key's current version (and optionally all versions) as `identity`. Errors are
 * classified KeyAccessErrors. */
export async function inspectKey(identity: KeyVaultIdentity, vaultUrl: string, keyName: string, options: InspectOptions = {}): Promise<KeyInfo> {
  const clients = options.clients ?? keyVaultClients();
  const versionlessId = keyIdFor(vaultUrl, keyName);
  parseKeyId(versionlessId);
  const client = () => clients.keyClient(identity, vaultUrl);
  const key = await withKeyVaultRetry(() => client().getKey(keyName), { operation: "getKey", keyId: versionlessId }, options.retry);
  const parsed = parseKeyId(key.id ?? "");
  if (!parsed.version) throw new KeyAccessError("Misconfigured", "UnexpectedKeyId", `getKey on ${versionlessId}: the vault answered with ${key.id}`, { keyId: versionlessId });
  const info: KeyInfo = {
    versionedKeyId: parsed.id,
    version: parsed.version,
    keyType: String(key.keyType ?? ""),
    keySize: key.key?.n ? modulusBits(key.key.n) : undefined,
    keyOps: [...(key.keyOperations ?? [])],
    enabled: key.properties.enabled !== false,
    expiresOn: key.properties.expiresOn,
    notBefore: key.properties.notBefore,
    recoveryLevel: key.properties.recoveryLevel,
    recoverableDays: key.properties.recoverableDays,
  };
  if (options.includeVersions) {
    info.versions = await withKeyVaultRetry(async () => {
      const versions: KeyVersionSummary[] = [];
      for await (const p of client().listPropertiesOfKeyVersions(keyName)) {
        if (!p.version) continue;
        versions.push({ version: p.version, enabled: p.enabled !== false, createdOn: p.createdOn, expiresOn: p.expiresOn, notBefore: p.notBefore });
      }
      return versions;
    }, { operation: "listKeyVersions", keyId: versionlessId }, options.retry);
  }
  return info;
}

/**
 * The reference's rules a key breaks, empty when it may be used as a customer-managed key.
 * Soft delete and purge protection are read from the key's recoveryLevel, which Key Vault derives
 * from the vault's settings:
 *   Recoverable / CustomizedRecoverable (+ProtectedSubscription): soft delete + purge protection
 *   Recoverable+Purgeable / CustomizedRecoverable+Purgeable:      soft delete, no purge protection
 *   Purgeable:                                                     no soft delete
 */
export function cmkViolations(info: KeyInfo, now: Date = new Date()): CmkViolation[] {
  const v: CmkViolation[] = [];
  if (!(SUPPORTED_KEY_TYPES as readonly string[]).includes(info.keyType)) {
    v.push({ code: "KeyTypeNotSupported", message: `The key type is ${info.keyType || "unknown"}; only RSA and RSA-HSM keys are supported.` });
  } else if (!info.keySize || !(SUPPORTED_KEY_SIZES as readonly number[]).includes(info.keySize)) {
    v.push({ code: "KeySizeNotSupported", message: `The key is ${info.keySize ?? "of unknown"} bits; only 2048 and 3072-bit RSA keys are supported.` });
  }
  const missing = ["wrapKey", "unwrapKey"].filter((op) => !info.keyOps.includes(op));
  if (missing.length) v.push({ code: "KeyOperationsMissing", message: `The key does not permit ${missing.join(" and ")}.` });
  if (!info.enabled) v.push({ code: "KeyDisabled", message: "The key's current version is disabled." });
  if (info.expiresOn && info.expiresOn.getTime() <= now.getTime()) {
    v.push({ code: "KeyExpired", message: `The key's current version expired at ${info.expiresOn.toISOString()}.` });
  }
  if (info.notBefore && info.notBefore.getTime() > now.getTime()) {
    v.push({ code: "KeyNotYetValid", message: `The key's current version is not valid before ${info.notBefore.toISOString()}.` });
  }
  const level = info.recoveryLevel ?? "";
  if (level === "" || level === "Purgeable") {
    v.push({ code: "SoftDeleteRequired", message: `The key vault must have soft delete and purge protection enabled (recovery level is ${level || "unknown"}).` });
  } else if (level.includes("Purgeable")) {
    v.push({ code: "PurgeProtectionRequired", message: `The key vault must have purge protection enabled (recovery level is ${level}).` });
  } else if (!/^(Customized)?Recoverable(\+ProtectedSubscription)?$/.test(level)) {
    v.push({ code: "PurgeProtectionRequired", message: `The key vault's recovery level ${level} is not recognised as soft delete with purge protection.` });
  }
  return v;
}

const ACCESS_CODES = new Set<CmkViolation["code"]>(["KeyDisabled", "KeyExpired", "KeyNotYetValid"]);

/**
 * Throws a KeyAccessError when the key breaks a rule: Misconfigured when the key or vault itself
 * is unsuitable (type, size, operations, purge protection), AccessLost when only its current state
 * is (disabled, expired, not yet valid). The first violation's code is the error's vaultCode; the
 * message lists them all.
 */
export function assertCmkCompliant(info: KeyInfo, now: Date = new Date()): void {
  const violations = cmkViolations(info, now);
  if (violations.length === 0) return;
  const structural = violations.filter((x) => !ACCESS_CODES.has(x.code));
  const first = structural[0] ?? violations[0];
  throw new KeyAccessError(structural.length ? "Misconfigured" : "AccessLost", first.code,
    `${info.versionedKeyId}: ${violations.map((x) => x.message).join(" ")}`, { keyId: info.versionedKeyId, operation: "inspectKey" });
}
