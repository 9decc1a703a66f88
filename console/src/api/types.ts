// The shapes the console reads from the API (the app's /api/openapi.json), only the fields it shows.

export interface ApiErrorBody {
  error: { code: string; message: string; target?: string };
}

export interface Policy {
  name: string;
  location: string;
  identity: { principalId: string; tenantId: string };
  properties: { encryption: { keyVault: { id: string; key: { name: string } } }; readers: string[] };
  systemData: { createdBy: string; createdAt: string };
}

export interface Progress {
  done: number;
  total: number;
  unit: string;
}

export type EncryptionStatus = "Encrypting" | "EncryptingOnline" | "Encrypted" | "Reverting" | "RevertingOnline" | "PlatformManaged" | "Failed" | "Warning";

export interface Environment {
  id: string;
  displayName: string;
  region: string;
  type: string;
  managed: boolean;
  state: "Enabled" | "Disabled" | "Locked";
  dataOperation?: string;
  encryption: {
    keyType: "PlatformManaged" | "CustomerManaged" | "Byok";
    policy: string | null;
    keyId: string | null;
    status: EncryptionStatus;
    progress: Progress | null;
    lockedReason: string | null;
    warning?: string;
    activeOperationId?: string;
  };
}

export interface Step {
  name: string;
  status: string;
  detail?: string;
  startedAt?: string;
  endedAt?: string;
  progress?: Progress;
}

export interface Operation {
  operationId: string;
  environmentId: string;
  operation: string;
  kind: string;
  status: "Running" | "Succeeded" | "Failed";
  startedAt: string;
  endedAt: string | null;
  steps: Step[];
  progress: Progress | null;
  error: { code?: string; message?: string } | string | null;
  policy?: string;
  targetPolicy?: string;
}

export interface PolicyHealth {
  keyId: string;
  status: "Healthy" | "Forbidden" | "Disabled" | "Expired" | "NotFound" | "Unreachable";
  expiresOn: string | null;
  checkedAt: string;
  vaultCode?: string;
}

export interface Candidate {
  environmentId: string;
  displayName: string;
  region: string;
  type: string;
  managed: boolean;
  state: string;
  status: EncryptionStatus;
  policy: string | null;
  eligible: boolean;
  code?: string;
  message?: string;
}

export interface Alert {
  id: string;
  kind: string;
  severity: "Warning" | "Critical";
  message: string;
  raisedAt: string;
  policy?: string;
  environmentId?: string;
  dueAt?: string;
}

export interface Backup {
  backupId: string;
  environmentId: string;
  status: string;
  createdAt: string;
  completedAt: string | null;
  items: number | Record<string, number>;
  keyIds: string[];
}

export interface KeyVersionUsage {
  keyId: string;
  version: string;
  enabled: boolean | null;
  inVault: boolean | null;
  createdOn?: string;
  expiresOn?: string;
  environments: { environmentId: string; deks: string[]; indexKey: boolean }[];
  backups: { environmentId: string; backupId: string; retainedUntil?: string }[];
  retirements: { environmentId: string; reason?: string; until?: string; retainUntil?: string }[];
  inUse: boolean;
  stillNeeded: boolean;
  earliestSafeDisable: string | null;
}

export interface PolicyKeyUsage {
  policy: string;
  keyId: string;
  checkedAt: string;
  versions: KeyVersionUsage[];
  vaultError?: { code: string; message: string };
}

export interface Member {
  objectId: string;
  access: "Read" | "ReadWrite";
}

export interface List<T> {
  value: T[];
}
