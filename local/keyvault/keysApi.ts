// The Key Vault keys REST API (data plane), as @azure/keyvault-keys 4.10 calls it: routing of
// method + path to an operation, and the handlers (crypto operations: cryptoOperations.ts; key
// types: keyTypes.ts). Authentication, faults, throttling and RBAC run before a handler
// (dataPlane.ts); a handler only sees an admitted, authorized request for an existing vault.
import { randomBytes } from "node:crypto";
import { baseUrlOf, type VaultContext } from "./context";
import { cryptoOperation } from "./cryptoOperations";
import {
  badParameter, deletedKeyNotFound, keyNotFound, keyStateForbidden, objectIsDeletedButRecoverable, purgeProtected, VaultError,
} from "./errors";
import { EVENT_TYPES, keyEvent } from "./events";
import { nowSeconds } from "./http";
import { currentVersion, deletedKeyBundle, deletedKeyItem, keyBundle, keyItem } from "./keyBundles";
import { activeKey, base64urlValue, vaultAgain, versionOf } from "./keyLookups";
import { openBackup, sealBackup } from "./keyMaterial";
import { generateMaterial, keyOpsFor, keyOpsOf, keySpecOf, specOfVersion, type KeySpec } from "./keyTypes";
import type { KeyOperation } from "./operations";
import { expiryForNewVersion, parseRotationPolicy, rotationPolicyJson } from "./rotationPolicy";
import type { DeletedKeyState, KeyState, KeyVersionState, VaultState } from "./state";

export interface KeysRoute {
  operation: KeyOperation;
  keyName?: string;
  /** "" or undefined: the current version. */
  version?: string;
}

export interface KeysResult {
  status: number;
  body?: unknown;
}

const CRYPTO_PATHS: Record<string, KeyOperation> = {
  wrapkey: "wrapKey", unwrapkey: "unwrapKey", encrypt: "encrypt", decrypt: "decrypt", sign: "sign", verify: "verify",
};

/** Maps method + path to a keys API operation; undefined when nothing matches. */
export function routeKeysRequest(method: string, pathname: string): KeysRoute | undefined {
  let segments: string[];
  try {
    segments = pathname.replace(/^\//, "").split("/").map(decodeURIComponent);
  } catch {
    return undefined;
  }
  const [collection, name, third, fourth] = segments;
  const n = segments.length;
  if (collection === "keys") {
    if (n === 1 && method === "GET") return { operation: "list" };
    if (n === 2 && name === "restore" && method === "POST") return { operation: "restore" };
    if (!name) return undefined;
    if (n === 2 || (n === 3 && third === "")) {
      if (method === "GET") return { operation: "get", keyName: name };
      if (method === "PATCH") return { operation: "update", keyName: name };
      if (method === "DELETE" && n === 2) return { operation: "delete", keyName: name };
      if (method === "PUT" && n === 2) return { operation: "import", keyName: name };
      return undefined;
    }
    if (n === 3) {
      if (method === "POST" && third === "create") return { operation: "create", keyName: name };
      if (method === "POST" && third === "rotate") return { operation: "rotate", keyName: name };
      if (method === "POST" && third === "backup") return { operation: "backup", keyName: name };
      if (method === "GET" && third === "versions") return { operation: "listVersions", keyName: name };
      if (third === "rotationpolicy") {
        if (method === "GET") return { operation: "getRotationPolicy", keyName: name };
        if (method === "PUT") return { operation: "setRotationPolicy", keyName: name };
        return undefined;
      }
      if (method === "GET") return { operation: "get", keyName: name, version: third };
      if (method === "PATCH") return { operation: "update", keyName: name, version: third };
      return undefined;
    }
    if (n === 4 && method === "POST" && CRYPTO_PATHS[fourth]) return { operation: CRYPTO_PATHS[fourth], keyName: name, version: third };
    return undefined;
  }
  if (collection === "deletedkeys") {
    if (n === 1 && method === "GET") return { operation: "listDeleted" };
    if (!name) return undefined;
    if (n === 2 && method === "GET") return { operation: "getDeleted", keyName: name };
    if (n === 2 && method === "DELETE") return { operation: "purge", keyName: name };
    if (n === 3 && third === "recover" && method === "POST") return { operation: "recover", keyName: name };
  }
  return undefined;
}

const KEY_NAME = /^[0-9a-zA-Z-]{1,127}$/;

// ---- small validators -------------------------------------------------------------------------

function optionalTime(field: string, value: unknown): number | undefined | null {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value !== "number" || !Number.isFinite(value)) throw badParameter(`attributes.${field} must be a number of seconds since 1970-01-01T00:00:00Z.`);
  return Math.floor(value);
}

function tags(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw badParameter("tags must be an object of strings.");
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 15) throw badParameter("A key can have at most 15 tags.");
  for (const [k, v] of entries) {
    if (typeof v !== "string" || k.length > 512 || v.length > 256) throw badParameter("tags must be an object of strings (names up to 512, values up to 256 characters).");
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

function attributesOf(body: Record<string, unknown>): { enabled?: boolean; nbf?: number | null; exp?: number | null } {
  const a = body.attributes;
  if (a === undefined || a === null) return {};
  if (typeof a !== "object" || Array.isArray(a)) throw badParameter("attributes must be an object.");
  const attrs = a as Record<string, unknown>;
  if (attrs.enabled !== undefined && attrs.enabled !== null && typeof attrs.enabled !== "boolean") throw badParameter("attributes.enabled must be a boolean.");
  return {
    enabled: typeof attrs.enabled === "boolean" ? attrs.enabled : undefined,
    nbf: optionalTime("nbf", attrs.nbf),
    exp: optionalTime("exp", attrs.exp),
  };
}

// ---- versions ---------------------------------------------------------------------------------

async function newVersion(params: { spec: KeySpec; keyOps: string[]; enabled: boolean; nbf?: number; exp?: number; tags?: Record<string, string> }): Promise<KeyVersionState> {
  const material = await generateMaterial(params.spec);
  const now = nowSeconds();
  return {
    version: randomBytes(16).toString("hex"),
    ...material,
    keyOps: params.keyOps,
    enabled: params.enabled,
    ...(params.nbf !== undefined ? { nbf: params.nbf } : {}),
    ...(params.exp !== undefined ? { exp: params.exp } : {}),
    created: now,
    updated: now,
    ...(params.tags ? { tags: params.tags } : {}),
  };
}

function announceNewVersion(ctx: VaultContext, vault: VaultState, key: KeyState, v: KeyVersionState): void {
  void ctx.bus.publish([keyEvent(EVENT_TYPES.keyNewVersionCreated, vault, baseUrlOf(ctx, vault), key.name, v)]);
}

/** Adds a version rotated from the current one (same type, size or curve, operations, tags). Used by rotate and the policy sweep. */
export async function rotateKey(ctx: VaultContext, vault: VaultState, key: KeyState): Promise<KeyVersionState> {
  const prev = currentVersion(key);
  const v = await newVersion({
    spec: specOfVersion(prev), keyOps: [...prev.keyOps], enabled: true,
    exp: expiryForNewVersion(key, nowSeconds()), tags: prev.tags ? { ...prev.tags } : undefined,
  });
  const liveVault = vaultAgain(ctx, vault);
  const liveKey = liveVault.keys[key.name.toLowerCase()];
  if (!liveKey) throw keyNotFound(key.name);
  liveKey.versions.push(v);
  ctx.store.save();
  announceNewVersion(ctx, liveVault, liveKey, v);
  return v;
}

// ---- handlers ---------------------------------------------------------------------------------

async function create(ctx: VaultContext, vault: VaultState, name: string, body: Record<string, unknown>): Promise<KeysResult> {
  if (vault.deletedKeys[name.toLowerCase()]) throw objectIsDeletedButRecoverable(name);
  const spec = keySpecOf(body, vault.kind);
  const attrs = attributesOf(body);
  const v = await newVersion({
    spec,
    keyOps: keyOpsFor(spec.kty, body.key_ops) ?? [...keyOpsOf(spec.kty)],
    enabled: attrs.enabled ?? true,
    nbf: attrs.nbf ?? undefined,
    exp: attrs.exp ?? undefined,
    tags: tags(body.tags),
  });
  const live = vaultAgain(ctx, vault);
  if (live.deletedKeys[name.toLowerCase()]) throw objectIsDeletedButRecoverable(name);
  const key = live.keys[name.toLowerCase()] ?? (live.keys[name.toLowerCase()] = { name, versions: [] });
  key.versions.push(v);
  ctx.store.save();
  announceNewVersion(ctx, live, key, v);
  return { status: 200, body: keyBundle(live, baseUrlOf(ctx, live), key, v) };
}

function get(ctx: VaultContext, vault: VaultState, name: string, version: string | undefined): KeysResult {
  const key = activeKey(vault, name);
  const v = versionOf(key, version);
  if (!v.enabled) throw keyStateForbidden("get", "KeyDisabled");
  return { status: 200, body: keyBundle(vault, baseUrlOf(ctx, vault), key, v) };
}

function update(ctx: VaultContext, vault: VaultState, name: string, version: string | undefined, body: Record<string, unknown>): KeysResult {
  const key = activeKey(vault, name);
  const v = versionOf(key, version);
  const attrs = attributesOf(body);
  const ops = keyOpsFor(v.kty, body.key_ops);
  const newTags = tags(body.tags);
  if (attrs.enabled !== undefined) v.enabled = attrs.enabled;
  if (attrs.nbf !== undefined) { if (attrs.nbf === null) delete v.nbf; else v.nbf = attrs.nbf; }
  if (attrs.exp !== undefined) {
    if (attrs.exp === null) delete v.exp; else v.exp = attrs.exp;
    // A new expiry date earns new near-expiry / expired events.
    delete v.notifiedNearExpiry;
    delete v.notifiedExpired;
  }
  if (ops) v.keyOps = ops;
  if (newTags) v.tags = newTags;
  v.updated = nowSeconds();
  ctx.store.save();
  return { status: 200, body: keyBundle(vault, baseUrlOf(ctx, vault), key, v) };
}

function remove(ctx: VaultContext, vault: VaultState, name: string): KeysResult {
  const key = activeKey(vault, name);
  const lower = name.toLowerCase();
  delete vault.keys[lower];
  const now = nowSeconds();
  const deleted: DeletedKeyState = { key, deletedDate: now, scheduledPurgeDate: now + vault.retentionDays * 86400 };
  const baseUrl = baseUrlOf(ctx, vault);
  if (vault.softDelete) {
    vault.deletedKeys[lower] = deleted;
    ctx.store.save();
    return { status: 200, body: deletedKeyBundle(vault, baseUrl, deleted) };
  }
  // Without soft delete the key is gone at once: no recoveryId (the SDK's delete poller then completes at once).
  ctx.store.save();
  return { status: 200, body: keyBundle(vault, baseUrl, key, currentVersion(key)) };
}

function list(ctx: VaultContext, vault: VaultState): KeysResult {
  const baseUrl = baseUrlOf(ctx, vault);
  const value = Object.values(vault.keys)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((k) => keyItem(vault, baseUrl, k, currentVersion(k), false));
  return { status: 200, body: { value, nextLink: null } };
}

function listVersions(ctx: VaultContext, vault: VaultState, name: string): KeysResult {
  const key = vault.keys[name.toLowerCase()];
  const baseUrl = baseUrlOf(ctx, vault);
  return { status: 200, body: { value: key ? key.versions.map((v) => keyItem(vault, baseUrl, key, v, true)) : [], nextLink: null } };
}

async function rotate(ctx: VaultContext, vault: VaultState, name: string): Promise<KeysResult> {
  const key = activeKey(vault, name);
  const v = await rotateKey(ctx, vault, key);
  const live = vaultAgain(ctx, vault);
  return { status: 200, body: keyBundle(live, baseUrlOf(ctx, live), live.keys[name.toLowerCase()] ?? key, v) };
}

function getRotationPolicy(ctx: VaultContext, vault: VaultState, name: string): KeysResult {
  return { status: 200, body: rotationPolicyJson(baseUrlOf(ctx, vault), activeKey(vault, name)) };
}

function setRotationPolicy(ctx: VaultContext, vault: VaultState, name: string, body: Record<string, unknown>): KeysResult {
  const key = activeKey(vault, name);
  key.rotationPolicy = parseRotationPolicy(body, nowSeconds(), key.rotationPolicy);
  ctx.store.save();
  return { status: 200, body: rotationPolicyJson(baseUrlOf(ctx, vault), key) };
}

function deletedKey(vault: VaultState, name: string): DeletedKeyState {
  const d = vault.deletedKeys[name.toLowerCase()];
  if (!d) throw deletedKeyNotFound(name);
  return d;
}

function getDeleted(ctx: VaultContext, vault: VaultState, name: string): KeysResult {
  return { status: 200, body: deletedKeyBundle(vault, baseUrlOf(ctx, vault), deletedKey(vault, name)) };
}

function listDeleted(ctx: VaultContext, vault: VaultState): KeysResult {
  const baseUrl = baseUrlOf(ctx, vault);
  const value = Object.values(vault.deletedKeys)
    .sort((a, b) => a.key.name.localeCompare(b.key.name))
    .map((d) => deletedKeyItem(vault, baseUrl, d));
  return { status: 200, body: { value, nextLink: null } };
}

function recover(ctx: VaultContext, vault: VaultState, name: string): KeysResult {
  const d = deletedKey(vault, name);
  const lower = name.toLowerCase();
  delete vault.deletedKeys[lower];
  vault.keys[lower] = d.key;
  ctx.store.save();
  return { status: 200, body: keyBundle(vault, baseUrlOf(ctx, vault), d.key, currentVersion(d.key)) };
}

function purge(ctx: VaultContext, vault: VaultState, name: string): KeysResult {
  deletedKey(vault, name);
  if (vault.purgeProtection) throw purgeProtected(name);
  delete vault.deletedKeys[name.toLowerCase()];
  ctx.store.save();
  return { status: 204 };
}

interface BackupPayload {
  format: "keyward-local-vault-key-backup/1";
  vaultKind: VaultState["kind"];
  key: KeyState;
}

function backup(ctx: VaultContext, vault: VaultState, name: string): KeysResult {
  const key = activeKey(vault, name);
  const payload: BackupPayload = { format: "keyward-local-vault-key-backup/1", vaultKind: vault.kind, key };
  return { status: 200, body: { value: sealBackup(ctx.store.data.backupKey, payload).toString("base64url") } };
}

function restore(ctx: VaultContext, vault: VaultState, body: Record<string, unknown>): KeysResult {
  const payload = openBackup(ctx.store.data.backupKey, base64urlValue(body)) as Partial<BackupPayload>;
  const key = payload.key;
  if (payload.format !== "keyward-local-vault-key-backup/1" || !key || !Array.isArray(key.versions) || key.versions.length === 0) {
    throw badParameter("Backup blob contains invalid or corrupt version.");
  }
  if (payload.vaultKind !== vault.kind) {
    throw badParameter(`A backup taken from a ${payload.vaultKind === "vault" ? "key vault" : "managed HSM"} cannot be restored into a ${vault.kind === "vault" ? "key vault" : "managed HSM"}.`);
  }
  const lower = key.name.toLowerCase();
  if (vault.deletedKeys[lower]) throw objectIsDeletedButRecoverable(key.name);
  if (vault.keys[lower]) throw new VaultError(409, "Conflict", `There is a key with the same name ${key.name} already existing.`);
  vault.keys[lower] = key;
  ctx.store.save();
  return { status: 200, body: keyBundle(vault, baseUrlOf(ctx, vault), key, currentVersion(key)) };
}

/** Runs one authorized keys API operation against an existing vault. */
export async function executeKeysOperation(ctx: VaultContext, vault: VaultState, route: KeysRoute, body: Record<string, unknown>): Promise<KeysResult> {
  const name = route.keyName;
  if (name !== undefined && !KEY_NAME.test(name)) {
    throw badParameter(`The key name ${JSON.stringify(name)} is invalid: use 1-127 letters, digits and hyphens.`);
  }
  switch (route.operation) {
    case "create": return create(ctx, vault, name!, body);
    case "import": throw badParameter("The local vault does not support key import; create the key in the vault instead.");
    case "get": return get(ctx, vault, name!, route.version);
    case "update": return update(ctx, vault, name!, route.version, body);
    case "delete": return remove(ctx, vault, name!);
    case "list": return list(ctx, vault);
    case "listVersions": return listVersions(ctx, vault, name!);
    case "rotate": return rotate(ctx, vault, name!);
    case "getRotationPolicy": return getRotationPolicy(ctx, vault, name!);
    case "setRotationPolicy": return setRotationPolicy(ctx, vault, name!, body);
    case "getDeleted": return getDeleted(ctx, vault, name!);
    case "listDeleted": return listDeleted(ctx, vault);
    case "recover": return recover(ctx, vault, name!);
    case "purge": return purge(ctx, vault, name!);
    case "backup": return backup(ctx, vault, name!);
    case "restore": return restore(ctx, vault, body);
    case "wrapKey": case "unwrapKey": case "encrypt": case "decrypt": case "sign": case "verify":
      return cryptoOperation(ctx, vault, route.operation, name!, route.version, body);
  }
}
