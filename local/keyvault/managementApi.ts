// The management API under /_local: the local stand-in for ARM and the portal (vaults, role
// assignments, Event Grid subscriptions), plus test controls (faults, behaviour, request log,
// event log, expiry scan, role propagation, DNS-like resolution). No token; the server only
// answers it on loopback. Events a management call causes are delivered (first attempt) before
// the call answers.
import type http from "node:http";
import { baseUrlOf, recoveryLevel, type VaultContext } from "./context";
import { applyBehaviourPatch } from "./behaviour";
import { badParameter, VaultError } from "./errors";
import { LOCAL_SUBSCRIPTION_ID, vaultAccessPolicyChangedEvent } from "./events";
import { scanVaults } from "./expiry";
import { validateFaultSpec } from "./faults";
import { armId, hostNameOf, parseVaultHostName, VAULT_NAME } from "./hosts";
import { nowSeconds, parseJsonObject, type ManagementResult } from "./http";
import {
  deleteRoleAssignment, getRoleAssignment, getRolePropagation, listRoleAssignments, putRoleAssignment,
} from "./managementRoleAssignments";
import type { EventSubscriptionState, VaultState } from "./state";
import type { VaultKind } from "./types";

export type { ManagementResult } from "./http";

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const notFound = (what: string) => new VaultError(404, "NotFound", `${what} was not found.`);

// ---- vaults -----------------------------------------------------------------------------------

export function vaultJson(ctx: VaultContext, v: VaultState): Record<string, unknown> {
  const vaultUri = baseUrlOf(ctx, v);
  return {
    name: v.name,
    id: armId(v.kind, v.subscriptionId, v.resourceGroup, v.name),
    type: v.kind === "vault" ? "Microsoft.KeyVault/vaults" : "Microsoft.KeyVault/managedHSMs",
    location: "local",
    vaultUri,
    properties: {
      kind: v.kind,
      subscriptionId: v.subscriptionId,
      resourceGroup: v.resourceGroup,
      tenantId: v.tenantId ?? ctx.tenantId,
      softDelete: v.softDelete,
      purgeProtection: v.purgeProtection,
      retentionDays: v.retentionDays,
      recoveryLevel: recoveryLevel(v),
      // The same settings under their ARM names.
      enableSoftDelete: v.softDelete,
      enablePurgeProtection: v.purgeProtection,
      softDeleteRetentionInDays: v.retentionDays,
      enableRbacAuthorization: true,
      ...(v.kind === "vault" ? { vaultUri } : { hsmUri: vaultUri }),
    },
  };
}

function optionalBoolean(body: Record<string, unknown>, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw badParameter(`'${field}' must be a boolean.`);
  return v;
}

function optionalString(body: Record<string, unknown>, field: string, pattern: RegExp): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || !pattern.test(v)) throw badParameter(`'${field}' is not valid: ${JSON.stringify(v)}.`);
  return v;
}

async function putVault(ctx: VaultContext, name: string, body: Record<string, unknown>): Promise<ManagementResult> {
  if (!VAULT_NAME.test(name)) throw badParameter(`The vault name '${name}' is not valid: use 3-24 letters, digits and hyphens, starting with a letter and not ending with a hyphen.`);
  const kindIn = body.kind;
  if (kindIn !== undefined && kindIn !== "vault" && kindIn !== "managedHsm") throw badParameter("'kind' must be \"vault\" or \"managedHsm\".");
  const softDelete = optionalBoolean(body, "softDelete");
  const purgeProtection = optionalBoolean(body, "purgeProtection");
  const retentionDays = body.retentionDays;
  if (retentionDays !== undefined && (typeof retentionDays !== "number" || !Number.isInteger(retentionDays) || retentionDays < 7 || retentionDays > 90)) {
    throw badParameter("'retentionDays' must be an integer from 7 to 90.");
  }
  // The local vault implements the Azure RBAC permission model only (no access policies).
  if (optionalBoolean(body, "enableRbacAuthorization") === false) {
    throw badParameter("The local vault supports only the Azure RBAC permission model (enableRbacAuthorization: true); access policies are not implemented.");
  }
  const subscriptionId = optionalString(body, "subscriptionId", /^[A-Za-z0-9-]{1,64}$/);
  const resourceGroup = optionalString(body, "resourceGroup", /^[-\w._()]{1,90}$/);
  const tenantId = optionalString(body, "tenantId", /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/)?.toLowerCase();

  const lower = name.toLowerCase();
  const existing = ctx.store.data.vaults[lower];
  const now = nowSeconds();
  if (!existing) {
    const vault: VaultState = {
      name: lower,
      kind: (kindIn as VaultKind | undefined) ?? "vault",
      subscriptionId: subscriptionId ?? LOCAL_SUBSCRIPTION_ID,
      resourceGroup: resourceGroup ?? "keyward-local",
      softDelete: softDelete ?? true,
      purgeProtection: purgeProtection ?? false,
      retentionDays: (retentionDays as number | undefined) ?? 90,
      ...(tenantId && tenantId !== ctx.tenantId ? { tenantId } : {}),
      created: now,
      updated: now,
      keys: {},
      deletedKeys: {},
    };
    if (vault.purgeProtection && !vault.softDelete) throw badParameter("Purge protection needs soft delete: set softDelete to true.");
    ctx.store.data.vaults[lower] = vault;
    ctx.store.save();
    return { status: 201, body: vaultJson(ctx, vault) };
  }

  if (tenantId && tenantId !== (existing.tenantId ?? ctx.tenantId)) {
    throw new VaultError(409, "Conflict", `The vault '${name}' belongs to tenant ${existing.tenantId ?? ctx.tenantId}; the local vault does not move vaults between tenants.`);
  }
  if (kindIn !== undefined && kindIn !== existing.kind) {
    throw new VaultError(409, "Conflict", `The vault '${name}' exists as a ${existing.kind}; its kind cannot change.`);
  }
  if (existing.softDelete && softDelete === false) {
    throw badParameter("Soft delete cannot be disabled once it has been enabled on a vault.");
  }
  if (existing.purgeProtection && purgeProtection === false) {
    throw badParameter("Purge protection cannot be disabled once it has been enabled on a vault.");
  }
  const next: VaultState = {
    ...existing,
    softDelete: softDelete ?? existing.softDelete,
    purgeProtection: purgeProtection ?? existing.purgeProtection,
    retentionDays: (retentionDays as number | undefined) ?? existing.retentionDays,
    subscriptionId: subscriptionId ?? existing.subscriptionId,
    resourceGroup: resourceGroup ?? existing.resourceGroup,
  };
  if (next.purgeProtection && !next.softDelete) throw badParameter("Purge protection needs soft delete: set softDelete to true.");
  const changed = (["softDelete", "purgeProtection", "retentionDays", "subscriptionId", "resourceGroup"] as const).some((k) => next[k] !== existing[k]);
  if (changed) {
    Object.assign(existing, next, { updated: now });
    ctx.store.save();
    // Azure raises VaultAccessPolicyChanged for access policy and permission model changes only,
    // neither of which this vault has; "extended" events raise it for any property change.
    if (ctx.behaviour.events === "extended") await ctx.bus.publish([vaultAccessPolicyChangedEvent(existing, baseUrlOf(ctx, existing))]);
  }
  return { status: 200, body: vaultJson(ctx, existing) };
}

function deleteVault(ctx: VaultContext, name: string): ManagementResult {
  const lower = name.toLowerCase();
  const existing = ctx.store.data.vaults[lower];
  if (!existing) return { status: 204 };
  delete ctx.store.data.vaults[lower];
  ctx.store.save();
  return { status: 200, body: vaultJson(ctx, existing) };
}

// ---- event subscriptions --------------------------------------------------------------------------

function putEventSubscription(ctx: VaultContext, name: string, body: Record<string, unknown>): ManagementResult {
  const { endpoint, enabled, eventTypes } = body;
  let url: URL;
  try {
    url = new URL(String(endpoint));
  } catch {
    throw badParameter("'endpoint' must be an http(s) URL.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw badParameter("'endpoint' must be an http(s) URL.");
  if (enabled !== undefined && typeof enabled !== "boolean") throw badParameter("'enabled' must be a boolean.");
  if (eventTypes !== undefined && eventTypes !== null && (!Array.isArray(eventTypes) || eventTypes.some((t) => typeof t !== "string"))) {
    throw badParameter("'eventTypes' must be a list of event type names.");
  }
  const existed = Boolean(ctx.store.data.eventSubscriptions[name]);
  const sub: EventSubscriptionState = {
    name, endpoint: url.toString(), enabled: enabled ?? true,
    ...(Array.isArray(eventTypes) && eventTypes.length ? { eventTypes: eventTypes as string[] } : {}),
  };
  ctx.store.data.eventSubscriptions[name] = sub;
  ctx.store.save();
  return { status: existed ? 200 : 201, body: sub };
}

function deleteEventSubscription(ctx: VaultContext, name: string): ManagementResult {
  const existing = ctx.store.data.eventSubscriptions[name];
  if (!existing) return { status: 204 };
  delete ctx.store.data.eventSubscriptions[name];
  ctx.store.save();
  return { status: 200, body: existing };
}

// ---- routing ------------------------------------------------------------------------------------

function sinceOf(url: URL): number {
  const since = Number(url.searchParams.get("since") ?? 0);
  if (!Number.isInteger(since) || since < 0) throw badParameter("'since' must be a non-negative integer.");
  return since;
}

export async function handleManagementRequest(ctx: VaultContext, req: http.IncomingMessage, body: Buffer): Promise<ManagementResult> {
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", "https://127.0.0.1");
  let segments: string[];
  try {
    segments = url.pathname.replace(/^\/_local\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    throw badParameter("The path is not valid.");
  }
  const [collection, id] = segments;
  const n = segments.length;
  const json = () => parseJsonObject(body);
  if (id !== undefined && collection !== "resolve" && collection !== "vaults" && !ID.test(id)) {
    throw badParameter(`'${id}' is not a valid name: use letters, digits, '.', '_' and '-'.`);
  }

  switch (collection) {
    case "health":
      if (method === "GET" && n === 1) return { status: 200, body: { status: "ok", vaults: Object.keys(ctx.store.data.vaults).length } };
      break;
    case "vaults":
      if (n === 1 && method === "GET") return { status: 200, body: { value: Object.values(ctx.store.data.vaults).map((v) => vaultJson(ctx, v)) } };
      if (n === 2 && method === "PUT") return putVault(ctx, id, json());
      if (n === 2 && method === "GET") {
        const v = ctx.store.vault(id);
        if (!v) throw notFound(`The vault '${id}'`);
        return { status: 200, body: vaultJson(ctx, v) };
      }
      if (n === 2 && method === "DELETE") return deleteVault(ctx, id);
      break;
    case "resolve":
      if (n === 2 && method === "GET") {
        const host = hostNameOf(id);
        const target = parseVaultHostName(host);
        const vault = target ? ctx.store.vault(target.name) : undefined;
        const exists = Boolean(target && vault && vault.kind === target.kind);
        return { status: 200, body: { host, exists, ...(exists && target ? { vault: target.name, kind: target.kind } : {}) } };
      }
      break;
    case "roleAssignments":
      if (n === 1 && method === "GET") return listRoleAssignments(ctx);
      if (n === 2 && method === "PUT") return putRoleAssignment(ctx, id, json());
      if (n === 2 && method === "DELETE") return deleteRoleAssignment(ctx, id);
      if (n === 2 && method === "GET") return getRoleAssignment(ctx, id);
      if (n === 3 && segments[2] === "propagation" && method === "GET") return getRolePropagation(ctx, id);
      break;
    case "behaviour":
      if (n === 1 && method === "GET") return { status: 200, body: ctx.behaviour };
      if (n === 1 && method === "PATCH") {
        const next = applyBehaviourPatch(ctx.behaviour, json());
        // New limits or a switch off start the windows afresh.
        if (JSON.stringify(next.throttling) !== JSON.stringify(ctx.behaviour.throttling)) ctx.throttle.reset();
        ctx.behaviour = next;
        return { status: 200, body: next };
      }
      break;
    case "faults":
      if (n === 1 && method === "GET") return { status: 200, body: { value: ctx.faults.list() } };
      if (n === 2 && method === "PUT") {
        const { created, fault } = ctx.faults.put(id, validateFaultSpec(json()));
        return { status: created ? 201 : 200, body: fault };
      }
      if (n === 2 && method === "DELETE") {
        const fault = ctx.faults.delete(id);
        return fault ? { status: 200, body: fault } : { status: 204 };
      }
      if (n === 2 && method === "GET") {
        const fault = ctx.faults.list().find((f) => f.id === id);
        if (!fault) throw notFound(`The fault '${id}'`);
        return { status: 200, body: fault };
      }
      break;
    case "eventSubscriptions":
      if (n === 1 && method === "GET") return { status: 200, body: { value: Object.values(ctx.store.data.eventSubscriptions) } };
      if (n === 2 && method === "PUT") return putEventSubscription(ctx, id, json());
      if (n === 2 && method === "DELETE") return deleteEventSubscription(ctx, id);
      if (n === 2 && method === "GET") {
        const s = ctx.store.data.eventSubscriptions[id];
        if (!s) throw notFound(`The event subscription '${id}'`);
        return { status: 200, body: s };
      }
      break;
    case "events":
      if (n === 1 && method === "GET") return { status: 200, body: { value: ctx.bus.list(sinceOf(url)) } };
      if (n === 2 && id === "flush" && method === "POST") {
        await ctx.bus.flush();
        return { status: 200, body: { value: ctx.bus.list(sinceOf(url)) } };
      }
      break;
    case "expiry":
      if (n === 2 && id === "scan" && method === "POST") {
        const result = await scanVaults(ctx);
        return { status: 200, body: { events: result.events.map((e) => ({ id: e.id, eventType: e.eventType, subject: e.subject, data: e.data })), rotated: result.rotated, purged: result.purged } };
      }
      break;
    case "requests":
      if (n === 1 && method === "GET") return { status: 200, body: { value: ctx.requests.since(sinceOf(url)), lastSeq: ctx.requests.lastSeq } };
      break;
  }
  throw new VaultError(404, "NotFound", `No management operation ${method} ${url.pathname}.`);
}
