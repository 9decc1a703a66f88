// The backups facade the composition root builds (services().backups): taking backups, restoring
// and copying, following key changes, erasing, and the key version ledger.
import type { KeyWrapper } from "../crypto/keyWrapper";
import type { KeySource } from "../crypto/keyRing";
import type { Environment } from "../domain/environment";
import { createBackupContext, type BackupContext, type BackupDeps } from "./context";
import type { BackupPartitionInput, CompleteBackupInput, PrepareTransferInput, TransferPartitionInput } from "./contracts";
import { backupKeys, type BackupKeys } from "./backupKeys";
import type { BackupManifest } from "./manifest";
import type { RetirementReason } from "./retention";
import { backupPartition, beginBackup, completeBackup } from "./takeBackup";
import { checkTransfer, completedBackup, transferPartition } from "./transfer";
import { buildGenerationLike } from "./generations";
import type { KeyRing } from "../crypto/keyRing";
import { followKeyChange, recordLeavingVersions, recordRetiredVersions, ringKeyIds } from "./follow";

export function createBackups(deps: BackupDeps) {
  const bc: BackupContext = createBackupContext(deps);
  return {
    context: bc,
    store: bc.store,
    ledger: bc.ledger,
    list: (environmentId: string): Promise<BackupManifest[]> => bc.store.listManifests(environmentId),
    get: async (environmentId: string, backupId: string) => (await bc.store.readManifest(environmentId, backupId))?.manifest,
    completed: (environmentId: string, backupId: string) => completedBackup(bc, environmentId, backupId),
    keysOf: (manifest: BackupManifest): BackupKeys => backupKeys(manifest, bc.wrapperFor),
    begin: (input: { backupId: string; operationId: string; environment: Environment }) => beginBackup(bc, input),
    partition: (input: BackupPartitionInput) => backupPartition(bc, input),
    complete: (input: CompleteBackupInput) => completeBackup(bc, input),
    checkTransfer: (input: PrepareTransferInput) => checkTransfer(bc, input),
    buildGenerationLike: (like: KeyRing, freshId: string) => buildGenerationLike(bc, like, freshId),
    transferPartition: (input: TransferPartitionInput) => transferPartition(bc, input),
    follow: (environmentId: string, wrapper: KeyWrapper, keyId: string, source: KeySource, reason: RetirementReason) =>
      followKeyChange(bc, environmentId, wrapper, keyId, source, reason),
    ringKeyIds: (environmentId: string) => ringKeyIds(bc, environmentId),
    recordRetiredVersions: (environmentId: string, before: Map<string, KeySource>, reason: RetirementReason) => recordRetiredVersions(bc, environmentId, before, reason),
    recordLeavingVersions: (environmentId: string, target: KeySource) => recordLeavingVersions(bc, environmentId, target),
  };
}

export type Backups = ReturnType<typeof createBackups>;
