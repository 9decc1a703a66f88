// JSON Schemas of what the routes answer, for the OpenAPI document: one per view the API
// returns (shared/domain/*View.ts and the route files' own views), with every property named.
import { ENCRYPTION_STATUSES } from "../domain/encryptionStatus";
import { ENVIRONMENT_TYPES } from "../domain/environment";
import { REGIONS } from "../domain/regions";
import type { JsonSchema } from "./fields";

const str = (description: string, extra: JsonSchema = {}): JsonSchema => ({ type: "string", description, ...extra });
const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: "null" }] });
const int = (description: string): JsonSchema => ({ type: "integer", description });
const bool = (description: string): JsonSchema => ({ type: "boolean", description });
const obj = (properties: Record<string, JsonSchema>, required: string[] = [], description?: string): JsonSchema => ({
  type: "object", properties, ...(required.length ? { required } : {}), ...(description ? { description } : {}),
});
const arr = (items: JsonSchema, description?: string): JsonSchema => ({ type: "array", items, ...(description ? { description } : {}) });
/** A list answer: {"value": [...]}. */
export const listOf = (items: JsonSchema, description: string): JsonSchema => obj({ value: arr(items, description) }, ["value"]);


export const progressSchema = obj({ done: int("Items done."), total: int("Items in all."), unit: str("What is counted (items, environments).") }, ["done", "total", "unit"]);

export const policySchema = obj({
  id: str("The policy's resource id."),
  name: str("The policy's name."),
  type: str("Microsoft.PowerPlatform/enterprisePolicies"),
  location: str("The policy's location.", { enum: [...REGIONS] }),
  kind: str("Encryption"),
  identity: obj({ type: str("SystemAssigned"), principalId: str("The principal to grant Key Vault Crypto Service Encryption User on the key."), tenantId: str("The identity's Entra tenant.") }),
  properties: obj({
    lockbox: { type: "null" },
    encryption: obj({ state: str("Enabled"), keyVault: obj({ id: str("The vault's ARM resource id."), tenantId: str("The vault's Entra tenant: the one the request named, or on Azure the caller's own when it named none (absent locally then)."), key: obj({ name: str("The key's name.") }) }) }),
    networkInjection: { type: "null" },
    readers: arr(str("An object id."), "The platform admins granted Reader: only they may add environments to it."),
  }),
  systemData: obj({ createdBy: str("Who created it."), createdAt: str("When.", { format: "date-time" }), lastModifiedAt: str("Last change.", { format: "date-time" }) }),
}, ["id", "name", "location", "identity", "properties"], "An enterprise policy.");

export const environmentSchema = obj({
  id: str("The environment's id."),
  displayName: str("Its display name."),
  region: str("Its region.", { enum: [...REGIONS] }),
  type: str("Its type.", { enum: [...ENVIRONMENT_TYPES] }),
  managed: bool("Managed Environments on."),
  state: str("Enabled, Disabled, or Locked (its key cannot be reached: every data call answers 423).", { enum: ["Enabled", "Disabled", "Locked"] }),
  dataOperation: str("A restore, copy or reset rewriting its data (the data API answers 503).", { enum: ["Restoring", "Copying", "Resetting"] }),
  encryption: obj({
    keyType: str("PlatformManaged, CustomerManaged or Byok.", { enum: ["PlatformManaged", "CustomerManaged", "Byok"] }),
    policy: nullable(str("The enterprise policy it is on, or joining.")),
    keyId: nullable(str("The key version protecting its active DEK.")),
    status: str("The encryption status.", { enum: [...ENCRYPTION_STATUSES] }),
    progress: nullable(progressSchema),
    lockedReason: nullable(str("Why it is locked.")),
    warning: str("For Warning: the store not yet under the new key."),
    activeOperationId: str("The operation running on it."),
  }, ["keyType", "status"]),
  createdAt: str("When it was created.", { format: "date-time" }),
}, ["id", "displayName", "region", "type", "managed", "state", "encryption"], "An environment.");

export const stepSchema = obj({
  name: str("The step."), status: str("Running, Succeeded, Failed or Skipped.", { enum: ["Running", "Succeeded", "Failed", "Skipped"] }),
  startedAt: str("Start.", { format: "date-time" }), endedAt: str("End.", { format: "date-time" }), detail: str("What it did or why it failed."),
}, ["name", "status", "startedAt"]);

export const errorInfoSchema = obj({ code: str("The error code."), message: str("What went wrong and what to do.") }, ["code", "message"]);

export const operationSchema = obj({
  operationId: str("The operation's id."),
  environmentId: nullable(str("The environment (null for a key-version rotation, which is the policy's).")),
  operation: str("What the History page calls it, e.g. Update Customer Managed Key."),
  kind: str("AddToPolicy, RemoveFromPolicy, ChangePolicy, RotateKeyVersion, Lock, Unlock, Backup, Restore, Copy, Reset, DeleteLockedEnvironment."),
  status: str("Running, Succeeded or Failed.", { enum: ["Running", "Succeeded", "Failed"] }),
  startedAt: str("Start.", { format: "date-time" }),
  endedAt: nullable(str("End.", { format: "date-time" })),
  steps: arr(stepSchema),
  progress: nullable(progressSchema),
  error: nullable(errorInfoSchema),
  policy: str("The policy it concerns."),
  targetPolicy: str("For a change of policy: the new one."),
  keyId: str("For a rotation: the key version."),
}, ["operationId", "operation", "status", "startedAt", "steps"], "An operation: its status, steps and progress.");

export const startedOperationsSchema = obj({
  operations: arr(obj({ environmentId: str("The environment."), operationId: str("Follow it with GET /api/operations/{operationId}.") }, ["environmentId", "operationId"])),
}, ["operations"], "The operations started, one per environment.");

export const startedOperationSchema = obj({ operationId: str("Follow it with GET /api/operations/{operationId}.") }, ["operationId"]);

export const backupSchema = obj({
  backupId: str("The backup's id."), environmentId: str("The environment it was taken from."),
  status: str("Creating or Completed.", { enum: ["Creating", "Completed"] }),
  createdAt: str("Start.", { format: "date-time" }), completedAt: nullable(str("End.", { format: "date-time" })),
  items: obj({ records: int("Records."), files: int("Files.") }),
  takenUnder: obj({ keyType: str("The key type then."), policy: str("The policy then."), keyId: str("The key version then.") }),
  deks: int("DEKs it holds (wrapped)."),
  keyVersions: arr(obj({ keyId: str("A key version its keys are wrapped under."), keyType: str("Its key type."), policy: str("Its policy."), retainedUntil: str("Kept until (a superseded copy).") })),
  keyIds: arr(str("A key version that opens it now.")),
}, ["backupId", "environmentId", "status", "createdAt"], "A backup.");

export const keyProbeSchema = obj({
  keyId: str("The key version probed."),
  status: str("The probe's finding.", { enum: ["Healthy", "Forbidden", "Disabled", "Expired", "NotFound", "Unreachable"] }),
  expiresOn: nullable(str("When the key expires.", { format: "date-time" })),
  checkedAt: str("When.", { format: "date-time" }),
  vaultCode: str("The vault's code when not healthy."),
}, ["keyId", "status", "checkedAt"], "A live probe of the policy's key as the policy's identity.");

const usesSchema = arr(obj({ environmentId: str("The environment."), backupId: str("The backup."), deks: arr(str("A DEK id.")), indexKey: bool("Its index key."), retainedUntil: str("Kept until.") }));

export const keyUsageSchema = obj({
  policy: str("The policy."), keyId: str("The versionless key id."), checkedAt: str("When.", { format: "date-time" }),
  versions: arr(obj({
    keyId: str("The key version."), version: str("Its version."), enabled: nullable(bool("Enabled in the vault (null: the vault could not be asked).")),
    inVault: nullable(bool("false: the vault no longer has it (deleted).")), createdOn: str("Created.", { format: "date-time" }), expiresOn: str("Expires.", { format: "date-time" }),
    environments: usesSchema, backups: usesSchema,
    retirements: arr(obj({ keyId: str("The version."), environmentId: str("The environment that left it."), reason: str("Rotation or Removal."), safeAfter: str("Needed until.", { format: "date-time" }) })),
    inUse: bool("Something wraps under it now."), stillNeeded: bool("It must not be disabled yet."),
    earliestSafeDisable: nullable(str("The earliest date it can safely be disabled (null while in use).", { format: "date-time" })),
  })),
  vaultError: errorInfoSchema,
}, ["policy", "keyId", "checkedAt", "versions"], "Each key version: what still needs it and the earliest date it can safely be disabled.");

export const alertSchema = obj({
  id: str("The alert's id."), kind: str("KeyNearExpiry, KeyExpired, KeyAccessLost, EnvironmentLocked, LockedTooLong or KeyVersionStillNeeded."),
  severity: str("Warning or Critical.", { enum: ["Warning", "Critical"] }), message: str("What happened and what to do."),
  raisedAt: str("When.", { format: "date-time" }), policy: str("The policy."), environmentId: str("The environment."), keyId: str("The key version."),
  dueAt: str("When the thing warned about happens.", { format: "date-time" }),
}, ["id", "kind", "severity", "message", "raisedAt"]);

export const auditEntrySchema = obj({
  requestId: str("The request id the caller was given."), at: str("When.", { format: "date-time" }), callerOid: str("Who."),
  callerRoles: arr(str("A role.")), operation: str("The route's name."), method: str("The HTTP method."), target: str("The route with its names filled in."),
  status: int("The HTTP status."), result: str("Succeeded or Failed.", { enum: ["Succeeded", "Failed"] }), errorCode: str("The error code when it failed."),
}, ["requestId", "at", "callerOid", "operation", "method", "target", "status", "result"]);

export const licensesSchema = obj({
  subscriptions: arr(str("A subscription.")), entitledToCustomerManagedKey: bool("One of them entitles the tenant to customer-managed keys."),
  entitlingSubscriptions: arr(str("An entitling subscription.")), updatedAt: nullable(str("Last change.", { format: "date-time" })),
  recognised: int("How many subscription names keyward recognises as entitling (PUT only)."),
}, ["subscriptions", "entitledToCustomerManagedKey", "entitlingSubscriptions"], "The tenant's subscriptions.");

export const readerGrantSchema = obj({ policy: str("The policy."), objectId: str("The reader."), role: str("Reader") }, ["policy", "objectId", "role"]);

export const rotationStartedSchema = obj({
  operationId: str("The rotation's id (GET /api/operations/{operationId})."), keyId: str("The key version re-wrapped under."), started: bool("false: one was already running for that version."),
}, ["operationId", "keyId", "started"]);

export const backupStartedSchema = obj({ backupId: str("The backup's id."), operationId: str("The operation taking it.") }, ["backupId", "operationId"]);

export const recordSchema = obj({ table: str("The table."), id: str("The record id."), value: { description: "The record's JSON value." } }, ["table", "id", "value"]);

export const recordPageSchema = obj({
  value: arr(obj({ id: str("The record id."), value: { description: "Its JSON value." } }, ["id", "value"])),
  nextLink: str("The next page's URL, when more may follow."), continuationToken: str("Pass back as ?continuationToken= for the next page."),
}, ["value"], "A page of records.");

export const fileWrittenSchema = obj({ path: str("The file's path."), size: int("Its size in bytes.") }, ["path", "size"]);

export const healthSchema = obj({
  status: str("Healthy when every component answers.", { enum: ["Healthy", "Unhealthy"] }),
  components: { type: "object", additionalProperties: obj({ status: str("Healthy or Unhealthy."), detail: str("Why not."), latencyMs: int("How long it took.") }) },
  checkedAt: str("When.", { format: "date-time" }),
}, ["status", "components", "checkedAt"]);

export const openApiSchema = obj({ openapi: str("3.1.0"), info: { type: "object" }, paths: { type: "object" } }, ["openapi", "info", "paths"], "This document.");

export const memberSchema = obj({
  objectId: str("The member's Entra object id."), access: str("Read or ReadWrite.", { enum: ["Read", "ReadWrite"] }),
  grantedBy: str("The platform admin who granted it."), grantedAt: str("When.", { format: "date-time" }),
}, ["objectId", "access"], "A member of an environment: who may use its data.");

export const candidatesSchema = obj({
  policy: str("The policy."), location: str("Its location."),
  value: arr(obj({
    environmentId: str("The environment."), displayName: str("Its display name."), region: str("Its region."), type: str("Its type."),
    managed: bool("Managed Environments on."), state: str("Its state."), status: str("Its encryption status."), policy: nullable(str("The policy it is on.")),
    eligible: bool("It may be added now."), code: str("Why not: the add's own error code."), message: str("Why not, in words."),
  }, ["environmentId", "eligible"])),
}, ["policy", "value"], "Which of the tenant's environments may be added to the policy.");
