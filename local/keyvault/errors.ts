// Key Vault error responses: `{"error": {"code", "message", "innererror": {"code"}}}` with the
// status, codes and messages Azure uses, so the SDK surfaces them exactly as it would in Azure.

export class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "VaultError";
  }

  body(): { error: { code: string; message: string; innererror?: { code: string } } } {
    return { error: { code: this.code, message: this.message, ...(this.innerCode ? { innererror: { code: this.innerCode } } : {}) } };
  }
}

export const badParameter = (message: string): VaultError => new VaultError(400, "BadParameter", message);

export function keyNotFound(nameOrId: string): VaultError {
  return new VaultError(404, "KeyNotFound",
    `A key with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`);
}

export const deletedKeyNotFound = (name: string): VaultError => new VaultError(404, "KeyNotFound", `Deleted Key not found: ${name}`);

export function vaultNotFound(host: string): VaultError {
  return new VaultError(404, "VaultNotFound", `The vault ${host} does not exist. Create it with PUT /_local/vaults/{name} on the local vault's management API.`);
}

export function objectIsDeletedButRecoverable(name: string): VaultError {
  return new VaultError(409, "Conflict",
    `Key ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged.`,
    "ObjectIsDeletedButRecoverable");
}

/** 403 for a key version that is disabled, expired, not yet valid, or lacks the operation in key_ops. */
export function keyStateForbidden(operation: string, reason: "KeyDisabled" | "KeyExpired" | "KeyNotYetValid" | "KeyOperationForbidden"): VaultError {
  const message = {
    KeyDisabled: `Operation ${operation} is not allowed on a disabled key.`,
    KeyExpired: `Operation ${operation} is not allowed on an expired key.`,
    KeyNotYetValid: `Operation ${operation} is not allowed on a key that is not yet valid.`,
    KeyOperationForbidden: `Operation ${operation} is not permitted on this key.`,
  }[reason];
  return new VaultError(403, "Forbidden", message, reason);
}

export function forbiddenByRbac(details: { oid: string; tenantId: string; action: string; resource: string; vaultName: string }): VaultError {
  const message = [
    "Caller is not authorized to perform action on resource.",
    "If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.",
    `Caller: appid=00000000-0000-0000-0000-000000000000;oid=${details.oid};iss=https://sts.windows.net/${details.tenantId}/`,
    `Action: '${details.action}'`,
    `Resource: '${details.resource.toLowerCase()}'`,
    "Assignment: (not found)",
    "DenyAssignmentId: null",
    "DecisionReason: null ",
    `Vault: ${details.vaultName};location=local`,
    "",
  ].join("\r\n");
  return new VaultError(403, "Forbidden", message, "ForbiddenByRbac");
}

export function purgeProtected(name: string): VaultError {
  return new VaultError(403, "Forbidden",
    `Operation "purge" is not allowed on key ${name} because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.`);
}

export function unauthorized(message: string, challenge?: string): VaultError {
  return new VaultError(401, "Unauthorized", message, undefined, challenge ? { "www-authenticate": challenge } : {});
}

export function throttled(retryAfterSeconds?: number): VaultError {
  return new VaultError(429, "Throttled", "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached",
    undefined, retryAfterSeconds !== undefined ? { "retry-after": String(retryAfterSeconds) } : {});
}
