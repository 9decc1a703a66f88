// When keyward stopped using a key version for an environment, and why: a rotation moved the
// environment's DEKs to a newer version (the reference: keep the old one 28 days), or the
// environment left the key (removed from its policy, or moved to another: keep it 30 days). Key
// usage reads it to say how long a version is still needed after nothing wraps under it any more.
// One table, `{statePrefix}KeyVersions`: PartitionKey = hash of the versionless key id, RowKey =
// hash of the version + environment + reason; a later retirement of the same replaces the earlier
// (the later date is the one that counts).
import { createHash } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import { ensuredTable, type StorageRef } from "../storage/clients";
import { DocumentTable } from "../state/documentTable";
import { versionlessKeyId } from "../crypto/keyRing";
import { retainedUntil, type RetirementReason } from "./retention";

export interface VersionRetirement {
  /** The versioned key id no longer used. */
  keyId: string;
  environmentId: string;
  reason: RetirementReason;
  at: string;
  /** at + 28 days (Rotation) or + 30 days (Removal). */
  safeAfter: string;
}

const hash = (s: string, n: number) => createHash("sha256").update(s.toLowerCase()).digest("hex").slice(0, n);

export class KeyVersionLedger {
  private readonly docs: DocumentTable<VersionRetirement>;

  constructor(connectionString: StorageRef, statePrefix: string) {
    this.docs = new DocumentTable((): Promise<TableClient> => ensuredTable(connectionString, `${statePrefix}KeyVersions`));
  }

  async record(keyIds: Iterable<string>, environmentId: string, reason: RetirementReason, now = new Date()): Promise<void> {
    for (const keyId of new Set(keyIds)) {
      const entry: VersionRetirement = { keyId, environmentId, reason, at: now.toISOString(), safeAfter: retainedUntil(reason, now) };
      await this.docs.put(hash(versionlessKeyId(keyId), 32), `${hash(keyId, 24)}_${hash(environmentId, 16)}_${reason}`, entry);
    }
  }

  /** Every retirement of every version of a key (versionless id, any case). */
  listForKey(versionlessId: string): Promise<VersionRetirement[]> {
    return this.docs.list(hash(versionlessId, 32));
  }
}
