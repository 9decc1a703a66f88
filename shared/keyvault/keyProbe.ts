// A live health check of a customer key, done exactly as keyward uses the key: as the policy's
// identity, get the current version, wrap a random 32-byte value with it through the vault and
// unwrap it again. The key health timer and "access restored -> unlock" run it.
import { timingSafeEqual } from "node:crypto";
import { classifyKeyVaultError, type KeyAccessError, type KeyAccessErrorKind } from "./classify";
import type { KeyVaultIdentity } from "./credentials";
import { keyIdFor } from "./vaultResource";
import { assertUsableForWrap, latestKeyVersion, randomDek, VaultKeyWrapper, type VaultKeyWrapperDeps } from "./vaultKeyWrapper";

export type KeyProbeStatus = "Healthy" | "Forbidden" | "Disabled" | "Expired" | "NotFound" | "Unreachable";

export interface KeyProbeResult {
  /** The versioned key id probed, or the versionless one when the key could not be read. */
  keyId: string;
  status: KeyProbeStatus;
  expiresOn?: Date;
  checkedAt: Date;
  /** The vault's (or network's) code when not Healthy. */
  vaultCode?: string;
  /** The classification behind a non-Healthy status. */
  errorKind?: KeyAccessErrorKind;
  message?: string;
}

const NOT_FOUND_CODES = new Set(["KeyNotFound", "VaultNotFound", "NotFound", "ENOTFOUND", "ObjectIsDeletedButRecoverable", "KeyDeleted"]);

/**
 * The status for a classified failure.
 *   AccessLost: Disabled (KeyDisabled), Expired (KeyExpired, KeyNotYetValid: the key is not valid
 *     now), NotFound (deleted key or vault, unknown vault host), else Forbidden (role revoked,
 *     operation forbidden...).
 *   Transient (after retries): Unreachable.
 *   Misconfigured: Unreachable too. It is not evidence the customer took access away (it is a
 *     401 for our token, a TLS or challenge mismatch, an unexpected answer), so it must not be
 *     what locks or unlocks anyone; errorKind says which it was.
 */
export function probeStatusFor(error: KeyAccessError): KeyProbeStatus {
  if (error.kind === "AccessLost") {
    if (error.vaultCode === "KeyDisabled") return "Disabled";
    if (error.vaultCode === "KeyExpired" || error.vaultCode === "KeyNotYetValid") return "Expired";
    if (NOT_FOUND_CODES.has(error.vaultCode)) return "NotFound";
    return "Forbidden";
  }
  return "Unreachable";
}

export async function probeKey(
  identity: KeyVaultIdentity,
  vaultUrl: string,
  keyName: string,
  deps: VaultKeyWrapperDeps & { now?: () => Date } = {},
): Promise<KeyProbeResult> {
  const checkedAt = deps.now?.() ?? new Date();
  let keyId = keyIdFor(vaultUrl, keyName);
  let expiresOn: Date | undefined;
  try {
    const latest = await latestKeyVersion(identity, vaultUrl, keyName, deps);
    keyId = latest.keyId;
    expiresOn = latest.expiresOn;
    assertUsableForWrap(latest, checkedAt);
    const wrapper = new VaultKeyWrapper(identity, latest.keyId, deps);
    const sample = randomDek();
    try {
      const back = await wrapper.unwrap(await wrapper.wrap(sample));
      const same = back.length === sample.length && timingSafeEqual(back, sample);
      back.fill(0);
      if (!same) {
        return { keyId, status: "Unreachable", expiresOn, checkedAt, vaultCode: "RoundTripMismatch", errorKind: "Misconfigured", message: "the vault unwrapped a different value than was wrapped" };
      }
    } finally {
      sample.fill(0);
    }
    return { keyId, status: "Healthy", expiresOn, checkedAt };
  } catch (err) {
    const error = classifyKeyVaultError(err, { operation: "probe", keyId });
    return { keyId, status: probeStatusFor(error), expiresOn, checkedAt, vaultCode: error.vaultCode, errorKind: error.kind, message: error.message };
  }
}
