// The encryption statuses of an environment, in one place: what each means, which are downtime,
// what each key operation starts in, passes through and ends in, and which tie an environment to
// its policy's key. Pure: no I/O.

/** The statuses, in the order the operations pass through them. */
export type EncryptionStatus =
  | "Encrypting" | "EncryptingOnline" | "Encrypted"
  | "Reverting" | "RevertingOnline" | "PlatformManaged"
  | "Failed" | "Warning";

/** What each status means, in the words an admin reads. */
export const STATUS_MEANINGS: Record<EncryptionStatus, string> = {
  Encrypting: "The customer-managed key encryption process is running and the environment is offline.",
  EncryptingOnline: "The core data is encrypted with the customer key and the environment is online; the remaining stores are still being encrypted.",
  Encrypted: "The enterprise policy's key is active and the environment is encrypted with it.",
  Reverting: "The environment is returning to the platform-managed key and is offline.",
  RevertingOnline: "The core data is back under the platform-managed key and the environment is online; the remaining stores are still being reverted.",
  PlatformManaged: "The platform-managed key is active.",
  Failed: "The operation did not finish: some data is under the new key and some under the previous one, and every item stays readable. Rerun the operation; it resumes where it stopped.",
  Warning: "The key is active, and one secondary store is still under the previous key. Rerun the operation to finish it.",
};

/** Every status, in the order of EncryptionStatus (the OpenAPI enum and any list derive from it). */
export const ENCRYPTION_STATUSES = Object.keys(STATUS_MEANINGS) as readonly EncryptionStatus[];

/** Statuses in which the data API refuses calls: the downtime of add and remove. */
export const DOWNTIME_STATUSES: readonly EncryptionStatus[] = ["Encrypting", "Reverting"];

export function isDowntime(status: EncryptionStatus): boolean {
  return DOWNTIME_STATUSES.includes(status);
}

/** The key a re-key moves an environment's data to. */
export type RekeyTargetKind = "CustomerManaged" | "PlatformManaged";

/** The statuses a re-key passes through towards each target: downtime, online, done. */
export const REKEY_STATUSES = {
  CustomerManaged: { downtime: "Encrypting", online: "EncryptingOnline", done: "Encrypted" },
  PlatformManaged: { downtime: "Reverting", online: "RevertingOnline", done: "PlatformManaged" },
} as const satisfies Record<RekeyTargetKind, { downtime: EncryptionStatus; online: EncryptionStatus; done: EncryptionStatus }>;

/** The statuses of a re-key under way (its downtime and online steps, towards either target). */
export const REKEYING_STATUSES: readonly EncryptionStatus[] = Object.values(REKEY_STATUSES).flatMap((s) => [s.downtime, s.online]);

/**
 * The status a re-key starts in. A rerun on a Warning environment starts online: its core store
 * is done (and written since under the same active DEK), so it needs no downtime unless sizing
 * finds core items off the target key after all.
 */
export function rekeyStartStatus(target: RekeyTargetKind, current: EncryptionStatus, downtime: "reference" | "none" = "reference"): EncryptionStatus {
  return current === "Warning" || downtime === "none" ? REKEY_STATUSES[target].online : REKEY_STATUSES[target].downtime;
}

/** Whether a re-key from this status may skip its downtime (see rekeyStartStatus). */
export function resumesOnline(current: EncryptionStatus): boolean {
  return current === "Warning";
}

/** A re-key towards the platform key, in either of its statuses (a rotation leaves it alone). */
export function isReverting(status: EncryptionStatus): boolean {
  return status === "Reverting" || status === "RevertingOnline";
}

/**
 * Whether an environment's data (some or all) is under its policy's key: it is encrypted with
 * it, or an operation towards or away from it has not finished. Such an environment locks when
 * the key is lost.
 */
export function dependsOnPolicy(env: { encryption: { policy?: string; keyType: string; status: EncryptionStatus } }, policy: string): boolean {
  if (env.encryption.policy !== policy) return false;
  return env.encryption.keyType === "CustomerManaged" || env.encryption.status !== "PlatformManaged";
}
