// Activity names, in one place, so an orchestration and the activity it calls can't drift apart.
export const Activities = {
  prepareTargetDek: "prepareTargetDek",
  setEncryptionStatus: "setEncryptionStatus",
  listPartitions: "listPartitions",
  reencryptPartition: "reencryptPartition",
  finishRekey: "finishRekey",
  resolveKeyVersion: "resolveKeyVersion",
  rewrapEnvironment: "rewrapEnvironment",
  // backups, restore, copy, reset (shared/backups)
  rewrapBackups: "rewrapBackups",
  dataOperationStep: "dataOperationStep",
  beginBackup: "beginBackup",
  backupPartition: "backupPartition",
  completeBackup: "completeBackup",
  prepareTransfer: "prepareTransfer",
  transferPartition: "transferPartition",
  resetEnvironmentData: "resetEnvironmentData",
} as const;

export const Orchestrations = {
  addEnvironmentToPolicy: "addEnvironmentToPolicy",
  removeEnvironmentFromPolicy: "removeEnvironmentFromPolicy",
  changePolicy: "changePolicy",
  rotateKeyVersion: "rotateKeyVersion",
  environmentDataOperation: "environmentDataOperation",
} as const;
