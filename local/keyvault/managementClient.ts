// A small client for the management API (https://127.0.0.1:{port}/_local), trusting the local
// CA. Tests, `npm start` and the local runtime use it to create vaults, grant roles, subscribe to
// events and inject faults; `resolve` plugs into localVaultAgent({ resolve }).
import https from "node:https";
import type { LocalVaultBehaviour, LocalVaultBehaviourPatch } from "./behaviour";
import type { FaultSpec, Fault } from "./faults";
import type { PublishedEvent } from "./events";
import type { RequestLogEntry } from "./requestLog";
import type { RolePropagation } from "./rolePropagation";
import type { VaultKind } from "./types";

export interface VaultProperties {
  softDelete?: boolean;
  purgeProtection?: boolean;
  retentionDays?: number;
  subscriptionId?: string;
  resourceGroup?: string;
  kind?: VaultKind;
  /** The vault's Entra tenant (a GUID): only that tenant's tokens are accepted. Default the server's. */
  tenantId?: string;
}

export interface VaultInfo {
  name: string;
  /** The ARM id: /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name} (or managedHSMs). */
  id: string;
  vaultUri: string;
  properties: Required<Omit<VaultProperties, "kind" | "tenantId">> & { kind: VaultKind; recoveryLevel: string; tenantId: string };
}

export interface RoleAssignmentInfo {
  id: string;
  resourceId: string;
  principalId: string;
  roleDefinitionName: string;
  scope: string;
  created: number;
}

export interface EventSubscriptionInfo {
  name: string;
  endpoint: string;
  enabled: boolean;
  eventTypes?: string[];
}

export class LocalVaultManagementError extends Error {
  constructor(readonly status: number, readonly body: unknown, method: string, path: string) {
    super(`${method} /_local${path} answered ${status}: ${JSON.stringify(body)}`);
    this.name = "LocalVaultManagementError";
  }
}

export interface LocalVaultManagementClient {
  /** Raw call; `path` is relative to /_local (e.g. "/vaults/kv1"). Never throws on a status. */
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  putVault(name: string, properties?: VaultProperties): Promise<VaultInfo>;
  getVault(name: string): Promise<VaultInfo>;
  deleteVault(name: string): Promise<void>;
  putRoleAssignment(id: string, assignment: { principalId: string; roleDefinitionName: string; scope: string }): Promise<RoleAssignmentInfo>;
  deleteRoleAssignment(id: string): Promise<void>;
  roleAssignments(): Promise<RoleAssignmentInfo[]>;
  /** Where an assignment stands on the data plane (test control; ARM's GET shows a change at once). */
  rolePropagation(id: string): Promise<RolePropagation>;
  /**
   * Resolves once the data plane has caught up with ARM for this assignment (written: honoured;
   * deleted: no longer honoured). Fails after timeoutMs (default 15 min, past Azure's 10).
   */
  waitForRolePropagation(id: string, options?: { timeoutMs?: number; pollMs?: number }): Promise<RolePropagation>;
  /** How harsh the vault is now (behaviour.ts). */
  behaviour(): Promise<LocalVaultBehaviour>;
  /** Changes part of the behaviour at run time; answers the whole new behaviour. */
  setBehaviour(patch: LocalVaultBehaviourPatch): Promise<LocalVaultBehaviour>;
  putFault(id: string, fault: FaultSpec): Promise<Fault>;
  deleteFault(id: string): Promise<void>;
  faults(): Promise<Fault[]>;
  putEventSubscription(name: string, subscription: { endpoint: string; enabled?: boolean; eventTypes?: string[] }): Promise<EventSubscriptionInfo>;
  deleteEventSubscription(name: string): Promise<void>;
  /** The request log after `since` (a seq), with the last seq to pass next time. */
  requests(since?: number): Promise<{ value: RequestLogEntry[]; lastSeq: number }>;
  events(since?: number): Promise<PublishedEvent[]>;
  /** Waits until every queued event delivery has finished (retries included). */
  flushEvents(): Promise<PublishedEvent[]>;
  /** Runs the expiry / rotation-policy / purge scan now and waits for its events' first delivery. */
  scanExpiry(): Promise<{ events: Array<{ id: string; eventType: string; subject: string; data: Record<string, unknown> }>; rotated: string[]; purged: string[] }>;
  /** Whether a vault host name exists (for localVaultAgent({ resolve })). */
  resolve(host: string): Promise<boolean>;
}

export function localVaultManagementClient(options: { managementUrl: string; caCertPem: string }): LocalVaultManagementClient {
  const base = options.managementUrl.replace(/\/+$/, "");

  const request = <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = https.request(`${base}${path}`, {
        method,
        ca: options.caCertPem,
        agent: false,
        headers: { accept: "application/json", ...(data ? { "content-type": "application/json", "content-length": String(data.length) } : {}) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = undefined;
          try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = text; }
          resolve({ status: res.statusCode ?? 0, body: parsed as T });
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(data);
    });

  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await request<T>(method, path, body);
    if (res.status >= 300) throw new LocalVaultManagementError(res.status, res.body, method, path);
    return res.body;
  };
  const e = encodeURIComponent;

  return {
    request,
    putVault: (name, properties = {}) => call("PUT", `/vaults/${e(name)}`, properties),
    getVault: (name) => call("GET", `/vaults/${e(name)}`),
    deleteVault: async (name) => { await call("DELETE", `/vaults/${e(name)}`); },
    putRoleAssignment: (id, assignment) => call("PUT", `/roleAssignments/${e(id)}`, assignment),
    deleteRoleAssignment: async (id) => { await call("DELETE", `/roleAssignments/${e(id)}`); },
    roleAssignments: async () => (await call<{ value: RoleAssignmentInfo[] }>("GET", "/roleAssignments")).value,
    rolePropagation: (id) => call("GET", `/roleAssignments/${e(id)}/propagation`),
    waitForRolePropagation: async (id, { timeoutMs = 15 * 60_000, pollMs = 50 } = {}) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const p = await call<RolePropagation>("GET", `/roleAssignments/${e(id)}/propagation`);
        if (p.state === "effective" || p.state === "absent") return p;
        if (Date.now() > deadline) throw new Error(`role assignment ${id} still ${p.state} after ${timeoutMs} ms: ${JSON.stringify(p)}`);
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
    behaviour: () => call("GET", "/behaviour"),
    setBehaviour: (patch) => call("PATCH", "/behaviour", patch),
    putFault: (id, fault) => call("PUT", `/faults/${e(id)}`, fault),
    deleteFault: async (id) => { await call("DELETE", `/faults/${e(id)}`); },
    faults: async () => (await call<{ value: Fault[] }>("GET", "/faults")).value,
    putEventSubscription: (name, subscription) => call("PUT", `/eventSubscriptions/${e(name)}`, subscription),
    deleteEventSubscription: async (name) => { await call("DELETE", `/eventSubscriptions/${e(name)}`); },
    requests: (since = 0) => call("GET", `/requests?since=${since}`),
    events: async (since = 0) => (await call<{ value: PublishedEvent[] }>("GET", `/events?since=${since}`)).value,
    flushEvents: async () => (await call<{ value: PublishedEvent[] }>("POST", "/events/flush")).value,
    scanExpiry: () => call("POST", "/expiry/scan"),
    resolve: async (host) => (await call<{ exists: boolean }>("GET", `/resolve/${e(host)}`)).exists,
  };
}
