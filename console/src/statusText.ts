// The reference's names and explanations of the encryption statuses (its "Review the
// environment's encryption status" note), with keyward's platform-managed key where the reference
// says Microsoft-managed key.
import type { EncryptionStatus } from "./api/types";

export const STATUS_LABELS: Record<EncryptionStatus, string> = {
  Encrypting: "Encrypting",
  EncryptingOnline: "Encrypting - online",
  Encrypted: "Encrypted",
  Reverting: "Reverting",
  RevertingOnline: "Reverting - online",
  PlatformManaged: "Platform managed key",
  Failed: "Failed",
  Warning: "Warning",
};

export const STATUS_EXPLANATIONS: Record<EncryptionStatus, string> = {
  Encrypting: "The customer-managed key encryption process is running and the system is disabled for online use.",
  EncryptingOnline: "All core services encryption that required system downtime is complete and the system is enabled for online use.",
  Encrypted: "The enterprise policy encryption key is active and the environment is encrypted with your key.",
  Reverting: "The encryption key is being changed from the customer-managed key to the platform-managed key and the system is disabled for online use.",
  RevertingOnline: "All core services encryption that required system downtime have reverted the key and the system is enabled for online use.",
  PlatformManaged: "The platform-managed key encryption is active.",
  Failed: "The enterprise policy encryption key isn't used by all storage services yet. A Failed status doesn't affect the environment's data or its operations: " +
    "some stores are under your key and some still under the platform-managed key. Rerun Add environments: it resumes from where it left off (a revert isn't recommended).",
  Warning: "The enterprise policy encryption key is active and one of the services' data continues to be encrypted with the platform-managed key.",
};

export const KEY_TYPE_LABELS: Record<string, string> = {
  PlatformManaged: "Platform-managed key",
  CustomerManaged: "Customer-managed key",
  Byok: "Bring your own key (legacy tenant key)",
};

/** Statuses in which an operation is under way and progress moves. */
export const MOVING: readonly EncryptionStatus[] = ["Encrypting", "EncryptingOnline", "Reverting", "RevertingOnline"];

/** The last path segment of a versioned key id: the key version. */
export function keyVersionOf(keyId: string | null | undefined): string {
  if (!keyId) return "—";
  const parts = keyId.split("/").filter(Boolean);
  return parts.length >= 2 && parts[parts.length - 2] !== "keys" ? parts[parts.length - 1] : "—";
}

/** The vault's name: the last segment of its ARM resource id. */
export const vaultNameOf = (vaultId: string) => vaultId.split("/").filter(Boolean).pop() ?? vaultId;

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC";
}
