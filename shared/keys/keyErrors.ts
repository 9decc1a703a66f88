// The one translation of a vault failure (a KeyAccessError, classified by shared/keyvault) into
// a keyward error by kind, for each use of a key: what an admin, a data user or an operation
// should be told, and whether retrying helps. The HTTP and activity edges then map the kind.
import { conflict, keyLost, keyTransient, locked, type KeywardError } from "../errors";
import type { KeyAccessError } from "../keyvault/classify";

/** The vault answers about the key's own state: each is the code of the rule the key breaks. */
const KEY_STATE_CODES = new Set(["KeyDisabled", "KeyExpired", "KeyNotYetValid"]);

export type KeyUse =
  /** An admin's request checked a policy's key (admission, rotate). */
  | { use: "policyKey"; policy: string; keyUrl: string; principalId: string }
  /** The platform's own key (or the legacy BYOK key), which no caller can fix. */
  | { use: "platformKey"; keyType: "PlatformManaged" | "Byok" }
  /** An environment's data: the key behind its DEKs. */
  | { use: "environmentData"; environmentId: string }
  /** A backup's keys, before a restore starts. */
  | { use: "backupKeys" }
  /** Reading the key's versions for a rotation. */
  | { use: "rotation" }
  /**
   * A key some request used that its handler did not attribute to one of the uses above: the
   * HTTP edge's translation of a KeyAccessError that escaped a handler, so it still answers by
   * kind (retry later, or the key cannot be used) rather than 500.
   */
  | { use: "request" };

const firstLine = (message: string) => message.split(/\r?\n/)[0];

export function keyVaultUnavailable(vaultCode: string | undefined, target: string | undefined, retryAfterSeconds = 30): KeywardError {
  return keyTransient("KeyVaultUnavailable", `The key vault did not answer (${vaultCode ?? "no answer"}); try again shortly.`, target, retryAfterSeconds);
}

export function keyErrorFor(err: KeyAccessError, use: KeyUse): KeywardError {
  switch (use.use) {
    case "platformKey":
      // Nothing the caller can fix, and nothing was created either.
      return keyTransient("PlatformKeyUnavailable", `The ${use.keyType === "Byok" ? "tenant's BYOK" : "platform"} key could not be used (${err.vaultCode}); try again shortly.`, "id", 30);
    case "environmentData":
      if (err.kind === "Transient") return keyVaultUnavailable(err.vaultCode, "id", 5);
      return keyLost("KeyUnavailable", `The key protecting environment '${use.environmentId}' could not be used (${err.vaultCode}).`, "id", 30);
    case "backupKeys":
      return keyVaultUnavailable(err.vaultCode, "backupId");
    case "rotation":
      // A vault that did not answer (or throttled) says nothing about the key: try again, not "cannot be read".
      if (err.kind === "Transient") return keyVaultUnavailable(err.vaultCode, "name", 10);
      return conflict("KeyNotAccessible", `The policy's key cannot be read (${err.vaultCode}).`, "name");
    case "request":
      if (err.kind === "Transient") return keyVaultUnavailable(err.vaultCode, undefined, 10);
      return keyLost("KeyUnavailable", `A key this request needs could not be used (${err.vaultCode}). If it is a customer's key, check that it is enabled, not expired, and that the policy's identity still holds its role on it.`, undefined, 30);
    case "policyKey":
      if (err.kind === "Transient") return keyVaultUnavailable(err.vaultCode, "keyVault");
      // Key Vault refuses even a get on a disabled key (403, inner code KeyDisabled): that is the
      // key's state, not a missing grant, so it gets its own rule's code and advice.
      if (KEY_STATE_CODES.has(err.vaultCode)) {
        return conflict(err.vaultCode, `The key of enterprise policy '${use.policy}' (${use.keyUrl}) cannot be used: ` +
          `${firstLine(err.message)} Enable the key's current version and check its activation and expiry dates.`, "keyVault");
      }
      return conflict("KeyNotAccessible", `Enterprise policy '${use.policy}' cannot use its key ${use.keyUrl} (${err.vaultCode}: ${firstLine(err.message)}). ` +
        `Grant the policy's identity (principal ${use.principalId}) the Key Vault Crypto Service Encryption User role on the key, and check the key is enabled and not expired.`, "keyVault");
  }
}

/** The data API's answer for a locked environment. */
export function environmentLocked(environmentId: string, lockedReason: string | undefined): KeywardError {
  return locked("EnvironmentLocked", `Environment '${environmentId}' is locked: ${lockedReason ?? "its key cannot be reached"}. ` +
    "It serves again once the key's access is restored.", "id");
}
