// The names of the keys API operations: used by routing, RBAC, faults and the request log.

export const KEY_OPERATIONS = [
  "create", "import", "get", "list", "listVersions", "update", "delete", "rotate",
  "getRotationPolicy", "setRotationPolicy", "getDeleted", "listDeleted", "recover", "purge",
  "backup", "restore", "wrapKey", "unwrapKey", "encrypt", "decrypt", "sign", "verify",
] as const;

export type KeyOperation = (typeof KEY_OPERATIONS)[number];

export const isKeyOperation = (value: string): value is KeyOperation => (KEY_OPERATIONS as readonly string[]).includes(value);
