// The vault's own storage: every vault, key (with its private key material), deleted key, role
// assignment and event subscription, persisted as one JSON file in dataDir. Written atomically
// (temp file + rename) after every change, so a stop/start or a crash never loses a committed
// change nor leaves a torn file.
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import type { VaultKind } from "./types";

export type KeyType = "RSA" | "RSA-HSM" | "EC" | "EC-HSM";

/** Azure's curve names (P-256K is secp256k1). */
export type EcCurve = "P-256" | "P-384" | "P-521" | "P-256K";

export interface KeyVersionState {
  version: string;
  kty: KeyType;
  /** RSA keys: modulus bits. Absent for EC keys. */
  keySize?: number;
  /** EC keys: the curve. Absent for RSA keys. */
  crv?: EcCurve;
  keyOps: string[];
  enabled: boolean;
  /** Unix seconds. */
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  tags?: Record<string, string>;
  /** PKCS#8 PEM. Never leaves the vault except inside an encrypted backup blob. */
  privateKeyPem: string;
  /** RSA: public modulus and exponent, base64url (as in a JWK). */
  n?: string;
  e?: string;
  /** EC: public point coordinates, base64url (as in a JWK). */
  x?: string;
  y?: string;
  /** The `exp` value for which KeyNearExpiry / KeyExpired was already published (reset when exp changes). */
  notifiedNearExpiry?: number;
  notifiedExpired?: number;
}

export interface LifetimeActionState {
  trigger: { timeAfterCreate?: string; timeBeforeExpiry?: string };
  action: { type: "Rotate" | "Notify" };
}

export interface RotationPolicyState {
  lifetimeActions: LifetimeActionState[];
  expiryTime?: string;
  created: number;
  updated: number;
}

export interface KeyState {
  /** The name as created (lookups are case-insensitive). */
  name: string;
  /** In creation order; the last one is the current version. */
  versions: KeyVersionState[];
  rotationPolicy?: RotationPolicyState;
}

export interface DeletedKeyState {
  key: KeyState;
  deletedDate: number;
  scheduledPurgeDate: number;
}

export interface VaultState {
  name: string;
  kind: VaultKind;
  subscriptionId: string;
  resourceGroup: string;
  softDelete: boolean;
  purgeProtection: boolean;
  retentionDays: number;
  /** The Entra tenant the vault belongs to (only its tokens are accepted); the server's tenant when absent. */
  tenantId?: string;
  created: number;
  updated: number;
  /** By lower-cased key name. */
  keys: Record<string, KeyState>;
  deletedKeys: Record<string, DeletedKeyState>;
}

export interface RoleAssignmentState {
  id: string;
  principalId: string;
  roleDefinitionName: string;
  scope: string;
  created: number;
  /** When the data plane starts honouring it (ms, the vault's clock); absent = at once. */
  effectiveAt?: number;
}

/** An assignment ARM has already deleted (or replaced) that the data plane still honours. */
export interface RetiredRoleAssignmentState {
  assignment: RoleAssignmentState;
  /** When the data plane stops honouring it (ms, the vault's clock). */
  effectiveUntil: number;
}

export interface EventSubscriptionState {
  name: string;
  endpoint: string;
  enabled: boolean;
  eventTypes?: string[];
}

export interface PersistedState {
  schemaVersion: 1;
  /** AES-256 key (base64) that seals backup blobs: a blob restores only into this local vault. */
  backupKey: string;
  /** By lower-cased vault name. */
  vaults: Record<string, VaultState>;
  roleAssignments: Record<string, RoleAssignmentState>;
  /** Deleted or replaced assignments still propagating to the data plane (absent in older state files). */
  retiredRoleAssignments?: RetiredRoleAssignmentState[];
  eventSubscriptions: Record<string, EventSubscriptionState>;
}

export class StateStore {
  private counter = 0;

  private constructor(readonly file: string, readonly data: PersistedState) {}

  static open(dataDir: string): StateStore {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, "state.json");
    if (!fs.existsSync(file)) {
      const store = new StateStore(file, {
        schemaVersion: 1,
        backupKey: randomBytes(32).toString("base64"),
        vaults: {},
        roleAssignments: {},
        eventSubscriptions: {},
      });
      store.save();
      return store;
    }
    let data: PersistedState;
    try {
      data = JSON.parse(fs.readFileSync(file, "utf8")) as PersistedState;
    } catch (err) {
      throw new Error(`local vault state ${file} is not readable JSON (${(err as Error).message}); move it away to start empty`);
    }
    if (data.schemaVersion !== 1) throw new Error(`local vault state ${file} has unknown schemaVersion ${String(data.schemaVersion)}`);
    return new StateStore(file, data);
  }

  /** Persists the whole state: write a temp file, flush it, rename over the old one. */
  save(): void {
    const tmp = `${this.file}.tmp-${process.pid}-${++this.counter}`;
    const fd = fs.openSync(tmp, "w", 0o600);
    try {
      fs.writeSync(fd, JSON.stringify(this.data));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
  }

  vault(name: string): VaultState | undefined {
    return this.data.vaults[name.toLowerCase()];
  }
}
