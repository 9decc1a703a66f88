// An environment: one tenant database (records and files, plus backups) and its encryption state.
import { randomUUID } from "node:crypto";
import type { EncryptionStatus } from "./encryptionStatus";

export const ENVIRONMENT_TYPES = ["Production", "Sandbox", "Developer", "Trial", "Teams"] as const;
export type EnvironmentType = (typeof ENVIRONMENT_TYPES)[number];

/** The reference: Trial and Teams environments can't be added to an enterprise policy. */
export const TYPES_WITHOUT_CMK: readonly EnvironmentType[] = ["Trial", "Teams"];

export type EnvironmentState = "Enabled" | "Disabled" | "Locked";
export type KeyType = "PlatformManaged" | "CustomerManaged" | "Byok";

export type { EncryptionStatus } from "./encryptionStatus";

export interface Progress {
  done: number;
  total: number;
  unit: string;
}

export interface EnvironmentEncryption {
  keyType: KeyType;
  /** The enterprise policy the environment is on (or being added to). */
  policy?: string;
  /** The key version currently protecting the environment's active DEK. */
  keyId?: string;
  status: EncryptionStatus;
  progress?: Progress;
  /** Why the environment is Locked, in words an admin can act on. */
  lockedReason?: string;
  /** For Warning: which secondary store is not yet under the new key. */
  warning?: string;
  /** The operation running on the environment, if any (one at a time). */
  activeOperationId?: string;
  /**
   * The policy a running change of policy moves the environment to, recorded when the change is
   * accepted: the environment names it as `policy` only once the add half begins, and until then
   * this is what keeps the policy in use (no delete or re-point of it). Counts only while
   * `operationId` still holds the environment's slot; dropped when the slot is freed.
   */
  joining?: { policy: string; operationId: string };
}

export interface Environment {
  /** The Entra tenant the environment belongs to. */
  tenantId: string;
  /** Unique within the tenant. */
  id: string;
  /**
   * The environment's data id: globally unique and random, it names the environment's tables,
   * containers, key ring and backups and is bound into every ciphertext. Never shown to clients.
   */
  dataId: string;
  /**
   * Data ids of generations a reset (or restore, copy) replaced and whose deletion has not
   * finished yet (shared/dataOperations/generations.ts). Never shown to clients.
   */
  retiredDataIds?: string[];
  /**
   * Every data id the environment had before its current one, oldest first: the key version
   * ledger knows an environment by the data id it had when it left a key version, so key usage
   * still names the environment after a reset moved it to a fresh generation.
   */
  formerDataIds?: string[];
  /**
   * The data id its backups are stored under, when that is not `dataId`: a restore or copy moves
   * the environment's data to a fresh generation but keeps its backups where they are (a backup's
   * ciphertexts stay bound to the data id they were taken from). Absent: `dataId`. A reset
   * deletes the backups and clears it. Never shown to clients.
   */
  backupsDataId?: string;
  displayName: string;
  region: string;
  type: EnvironmentType;
  managed: boolean;
  state: EnvironmentState;
  encryption: EnvironmentEncryption;
  createdAt: string;
  createdBy: string;
  /** When a locked environment may be deleted under the reference's rule (7 days sandbox, 30 production). */
  lockedSince?: string;
  /** A restore, copy or reset is rewriting the environment's data: the data API answers 503 until it ends. */
  dataOperation?: DataOperationState;
}

export type DataOperationState = "Restoring" | "Copying" | "Resetting";


/** The policies the environment uses: the one it is on, and one a running change moves it to. */
export function policiesInUse(e: Environment): string[] {
  const { policy, joining, activeOperationId } = e.encryption;
  return [...(policy ? [policy] : []), ...(joining && joining.operationId === activeOperationId ? [joining.policy] : [])];
}

/** The encryption state with the one-operation slot freed (and what only a running operation holds). */
export function withSlotFreed(enc: EnvironmentEncryption): EnvironmentEncryption {
  const { joining: _joining, ...rest } = enc;
  return { ...rest, activeOperationId: undefined };
}

export function isEnvironmentType(value: unknown): value is EnvironmentType {
  return typeof value === "string" && (ENVIRONMENT_TYPES as readonly string[]).includes(value);
}

/** A new data id: "d" and 32 random hex digits (fits every storage name rule). */
export function newDataId(): string {
  return `d${randomUUID().replace(/-/g, "")}`;
}

/** The data id an environment's backups are stored under (see Environment.backupsDataId). */
export const backupHomeOf = (e: Pick<Environment, "dataId" | "backupsDataId">): string => e.backupsDataId ?? e.dataId;
