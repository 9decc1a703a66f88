// The keys that open one backup, from its manifest's wrapped copies: the same RingKeys shape the
// record and file stores use, bound to the SOURCE environment (its id is in every envelope's AAD
// and blind index). Copies are tried live-first, newest first (manifest.unwrapOrder). When no copy
// of a key can be unwrapped because the customer took the key version away, BackupKeyUnusable
// names each version and why, so a restore can say which version to re-enable.
// No shared DEK cache: a restore unwraps each key once per activity call and forgets it.
import type { Dek } from "../crypto/dek";
import { DEK_BYTES } from "../crypto/dek";
import { toWrappedDek, type KeyRing } from "../crypto/keyRing";
import { IntegrityError } from "../crypto/integrityError";
import type { RingKeys } from "../data/dekResolver";
import type { WrapperFor } from "../data/dekResolver";
import { isKeywardError, KeywardError } from "../errors";
import { isKeyAccessError } from "../keyvault";
import { INDEX_OWNER, ownersOf, unwrapOrder, type BackupCopy, type BackupManifest, type KeyOwner } from "./manifest";

export interface VersionFailure {
  keyId: string;
  code: string;
}

/** Every copy of a backup key failed for a reason only the customer can undo. */
export class BackupKeyUnusable extends KeywardError {
  override name = "BackupKeyUnusable";
  constructor(readonly backupId: string, readonly failures: VersionFailure[]) {
    super("keyLost", "BackupKeyVersionUnusable", `Backup ${backupId} cannot be opened: ${failures.map(describeFailure).join("; ")}. ` +
      "Re-enable (or recover, or grant the policy's identity access to) that key version, then retry.", { target: "backupId" });
  }
}

const WHY: Record<string, string> = {
  KeyDisabled: "is disabled",
  KeyExpired: "has expired",
  KeyNotYetValid: "is not valid yet",
  KeyNotFound: "was deleted",
  KeyDeleted: "was deleted",
  ObjectIsDeletedButRecoverable: "was deleted",
  NotFound: "was deleted",
  VaultNotFound: "is in a vault that was deleted",
  PolicyNotFound: "belongs to an enterprise policy that no longer exists",
};

export function describeFailure(f: VersionFailure): string {
  return `key version ${f.keyId} ${WHY[f.code] ?? "is not accessible to the policy's identity"} (${f.code})`;
}

export interface BackupKeys extends RingKeys {
  /** The unwrapped secret of a DEK id, or of the index key (INDEX_OWNER). */
  secretOf(owner: KeyOwner): Promise<Uint8Array>;
  /** Unwraps every key of the backup once: the restore preflight. Throws BackupKeyUnusable. */
  verifyAll(): Promise<void>;
}

async function unwrapAny(backupId: string, copies: BackupCopy[], wrapperFor: WrapperFor): Promise<Uint8Array> {
  const failures: VersionFailure[] = [];
  let transient: unknown;
  for (const copy of unwrapOrder(copies)) {
    try {
      const secret = await wrapperFor(copy.source, copy.keyId).unwrap(toWrappedDek(copy));
      if (secret.length !== DEK_BYTES) throw new Error(`Unwrapping under ${copy.keyId} gave ${secret.length} bytes, not ${DEK_BYTES}`);
      return secret;
    } catch (err) {
      if (isKeyAccessError(err)) {
        if (err.kind === "Transient") transient ??= err;
        else failures.push({ keyId: copy.keyId, code: err.vaultCode });
      } else if (isKeywardError(err) && err.code === "PolicyNotFound") {
        failures.push({ keyId: copy.keyId, code: "PolicyNotFound" });
      } else {
        throw err;
      }
    }
  }
  // A vault that is only slow may yet answer: retry rather than report the backup unusable.
  if (transient) throw transient;
  throw new BackupKeyUnusable(backupId, failures);
}

export function backupKeys(manifest: BackupManifest, wrapperFor: WrapperFor): BackupKeys {
  const copiesOf = new Map(ownersOf(manifest.keys).map((o) => [o.owner, o.copies]));
  const memo = new Map<KeyOwner, Promise<Uint8Array>>();
  const secretOf = (owner: KeyOwner): Promise<Uint8Array> => {
    let p = memo.get(owner);
    if (!p) {
      const copies = copiesOf.get(owner);
      if (!copies) return Promise.reject(new IntegrityError("UnknownDek", `Ciphertext names DEK ${owner}, which backup ${manifest.backupId} does not hold`));
      p = unwrapAny(manifest.backupId, copies, wrapperFor);
      p.catch(() => memo.delete(owner));
      memo.set(owner, p);
    }
    return p;
  };
  // The shape the stores read: the source environment's id and partitions, and the backup's DEKs.
  const ring: KeyRing = {
    environmentId: manifest.environmentId, version: 1, buckets: manifest.buckets,
    activeDekId: manifest.keys.deks[0]?.dekId ?? "",
    deks: manifest.keys.deks.map((d, i) => ({ dekId: d.dekId, state: i === 0 ? "active" : "retiring", createdAt: manifest.createdAt, wrapped: d.wrapped })),
    indexKey: { wrapped: manifest.keys.indexKey.wrapped },
  };
  const dekFor = async (dekId: string): Promise<Dek> => ({ id: dekId, key: await secretOf(dekId) });
  return {
    ring,
    dekFor,
    // A backup is only ever read: nothing is written under its keys.
    activeDek: () => Promise.reject(new Error("A backup's keys are for reading only")),
    sealingDek: () => Promise.reject(new Error("A backup's keys are for reading only")),
    indexKey: () => secretOf(INDEX_OWNER),
    secretOf,
    async verifyAll() {
      const failures: VersionFailure[] = [];
      for (const { owner } of ownersOf(manifest.keys)) {
        try {
          await secretOf(owner);
        } catch (err) {
          if (!(err instanceof BackupKeyUnusable)) throw err;
          for (const f of err.failures) if (!failures.some((x) => x.keyId === f.keyId)) failures.push(f);
        }
      }
      if (failures.length > 0) throw new BackupKeyUnusable(manifest.backupId, failures);
    },
  };
}
