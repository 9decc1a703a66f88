// One running keyward per test file: the embedded stack (local issuer, local vault with the
// platform key, the runtime serving app.ts) on the run's shared Azurite, in its own namespace.
// Plus the few things every end-to-end test does: call the API as a role, and set up a customer
// vault, key, policy and grants the way the key vault administrator would.
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import { randomUUID } from "node:crypto";
import { KeyClient } from "@azure/keyvault-keys";
import { startStack, type RunningStack } from "../../local/stack";
import { issuerCredential } from "../../local/platformKey";
import { localVaultAgent, localVaultManagementClient, type LocalVaultManagementClient } from "../../local/keyvault";
import { testStorage, uniquePrefix } from "./storage";

export const KEYS_ADMIN = "aaaaaaaa-0000-4000-8000-000000000001";
export const PLATFORM_ADMIN = "bbbbbbbb-0000-4000-8000-000000000002";
export const DATA_USER = "cccccccc-0000-4000-8000-000000000003";
/** Stands for the customer's vault administrator inside their own vault. */
export const CUSTOMER_KEY_OFFICER = "dddddddd-0000-4000-8000-000000000004";
export const SUBSCRIPTION = "00000000-1111-4222-8333-444444444444";

export interface ApiResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class Keyward {
  private constructor(readonly stack: RunningStack, readonly dataDir: string) {}

  /**
   * `options.timers`: run the timer functions on their schedules (off by default: tests trigger
   * them with stack.runtime.triggerTimer; a schedule set in `settings` applies when on).
   */
  static async start(settings: Record<string, string> = {}, options: { timers?: boolean } = {}): Promise<Keyward> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-test-"));
    const stack = await startStack({
      dataDir, storageConnectionString: testStorage(), namespace: uniquePrefix("kw"), timers: options.timers ?? false,
      settings: { KEYWARD_DEK_CACHE_TTL_SECONDS: "2", ...settings },
      loadApp: () => import("../../app"),
    });
    return new Keyward(stack, dataDir);
  }

  async stop(): Promise<void> {
    await this.stack.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  token(oid: string, roles: string[]): Promise<string> {
    return this.stack.token(oid, roles);
  }

  /** Calls the API with a token for `as` (roles), or none when `as` is null. */
  async call<T = any>(method: string, route: string, options: { as?: { oid: string; roles: string[] } | null; body?: unknown; raw?: Buffer; headers?: Record<string, string> } = {}): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.as) headers.authorization = `Bearer ${await this.token(options.as.oid, options.as.roles)}`;
    let body: string | Buffer | undefined;
    if (options.raw) { body = options.raw; headers["content-type"] ??= "application/octet-stream"; }
    else if (options.body !== undefined) { body = typeof options.body === "string" ? options.body : JSON.stringify(options.body); headers["content-type"] ??= "application/json"; }
    const res = await fetch(`${this.stack.apiBaseUrl}/${route.replace(/^\//, "")}`, { method, headers, body });
    const text = res.headers.get("content-type")?.includes("json") ? await res.text() : undefined;
    const parsed = text !== undefined ? (text ? JSON.parse(text) : undefined) : Buffer.from(await res.arrayBuffer());
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  keysAdmin = (method: string, route: string, body?: unknown) => this.call(method, route, { as: { oid: KEYS_ADMIN, roles: ["Keys.Admin"] }, body });
  platformAdmin = (method: string, route: string, body?: unknown) => this.call(method, route, { as: { oid: PLATFORM_ADMIN, roles: ["Platform.Admin"] }, body });
  user = (method: string, route: string, body?: unknown) => this.call(method, route, { as: { oid: DATA_USER, roles: ["Environment.User"] }, body });

  // ---- the customer's side, through the local vault (what they do in the Azure portal) ----

  get vault() { return this.stack.vault; }

  /** The local vault's management API: vaults, role assignments, faults, events, request log. */
  get management(): LocalVaultManagementClient { return localVaultManagementClient(this.stack.vault); }

  async createCustomerVault(name: string, properties: { softDelete?: boolean; purgeProtection?: boolean } = {}): Promise<{ id: string; url: string }> {
    const info = await this.management.putVault(name, { softDelete: true, purgeProtection: true, retentionDays: 90, ...properties });
    await this.management.putRoleAssignment(`officer-${name}`, { principalId: CUSTOMER_KEY_OFFICER, roleDefinitionName: "Key Vault Crypto Officer", scope: info.id });
    return { id: info.id, url: this.stack.vault.vaultUrl(name) };
  }

  keyClient(vaultName: string): KeyClient {
    return new KeyClient(this.stack.vault.vaultUrl(vaultName), issuerCredential(this.stack.issuer, CUSTOMER_KEY_OFFICER),
      { agent: localVaultAgent({ caCertPem: this.stack.vault.caCertPem }) } as ConstructorParameters<typeof KeyClient>[2]);
  }

  grantKeyToPolicy(assignmentId: string, principalId: string, vaultArmId: string, role = "Key Vault Crypto Service Encryption User") {
    return this.management.putRoleAssignment(assignmentId, { principalId, roleDefinitionName: role, scope: vaultArmId });
  }

  revokeAssignment(assignmentId: string) {
    return this.management.deleteRoleAssignment(assignmentId);
  }

  /**
   * The whole key vault admin setup of the reference: vault with soft delete and purge
   * protection, an RSA key, an enterprise policy, the policy's identity granted on the key,
   * the platform admin granted Reader; and the tenant's licence recorded.
   */
  async customerPolicy(options: { policy?: string; vault?: string; key?: string; location?: string; keySize?: number } = {}) {
    const policy = options.policy ?? uniquePrefix("policy");
    const vaultName = options.vault ?? `cv${uniquePrefix("").slice(0, 12)}`;
    const keyName = options.key ?? "cmk";
    const vault = await this.createCustomerVault(vaultName);
    await this.keyClient(vaultName).createRsaKey(keyName, { keySize: options.keySize ?? 2048, keyOps: ["wrapKey", "unwrapKey"] });
    const created = await this.keysAdmin("PUT", `enterprisePolicies/${policy}`, {
      location: options.location ?? "europe", kind: "Encryption", identity: { type: "SystemAssigned" },
      properties: { encryption: { state: "Enabled", keyVault: { id: vault.id, key: { name: keyName } } } },
    });
    if (created.status !== 201) throw new Error(`policy create failed: ${created.status} ${JSON.stringify(created.body)}`);
    const principalId = created.body.identity.principalId as string;
    const assignmentId = `policy-${policy}`;
    await this.grantKeyToPolicy(assignmentId, principalId, vault.id);
    const reader = await this.keysAdmin("PUT", `enterprisePolicies/${policy}/readers/${PLATFORM_ADMIN}`);
    if (reader.status !== 200) throw new Error(`reader grant failed: ${reader.status}`);
    await this.platformAdmin("PUT", "tenant/licenses", { subscriptions: ["Microsoft 365 E5"] });
    return { policy, vaultName, vaultId: vault.id, keyName, principalId, assignmentId };
  }

  async environment(options: { id?: string; region?: string; type?: string; managed?: boolean; keyType?: string } = {}): Promise<string> {
    const id = options.id ?? `env-${randomUUID().slice(0, 8)}`;
    const res = await this.platformAdmin("PUT", `environments/${id}`, {
      displayName: `Test ${id}`, region: options.region ?? "europe", type: options.type ?? "Production", managed: options.managed ?? true,
      ...(options.keyType ? { keyType: options.keyType } : {}),
    });
    if (res.status !== 201) throw new Error(`environment create failed: ${res.status} ${JSON.stringify(res.body)}`);
    return id;
  }

  /** Polls until the predicate holds, or fails with the last value seen. */
  async until<T>(what: string, read: () => Promise<T>, predicate: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T = await read();
    while (!predicate(last)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 100));
      last = await read();
    }
    return last;
  }
}
