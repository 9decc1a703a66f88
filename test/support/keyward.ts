// One running keyward per test file: the embedded stack (local issuer, local vault with the
// platform key, the runtime serving app.ts) on the run's shared Azurite, in its own namespace.
// Plus the few things every end-to-end test does: call the API as a role, and set up a customer
// vault, key, policy and grants the way the key vault administrator would.
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import { randomUUID } from "node:crypto";
import type { KeyClient } from "@azure/keyvault-keys";
import { startStack, type RunningStack } from "../../local/stack";
import type { LocalVaultManagementClient } from "../../local/keyvault";
import { EmbeddedApi, type ApiResult, type CallOptions, type CustomerPolicy } from "../../local/embeddedApi";
import { testStorage, uniquePrefix } from "./storage";
import { services } from "../../shared/services";
import { LOCAL_TENANT_ID } from "../../local/issuer";

export const KEYS_ADMIN = "aaaaaaaa-0000-4000-8000-000000000001";
export const PLATFORM_ADMIN = "bbbbbbbb-0000-4000-8000-000000000002";
export const DATA_USER = "cccccccc-0000-4000-8000-000000000003";
/** Stands for the customer's vault administrator inside their own vault. */
export const CUSTOMER_KEY_OFFICER = "dddddddd-0000-4000-8000-000000000004";
export const SUBSCRIPTION = "00000000-1111-4222-8333-444444444444";

export type { ApiResult } from "../../local/embeddedApi";

const AS = {
  keysAdmin: { oid: KEYS_ADMIN, roles: ["Keys.Admin"] },
  platformAdmin: { oid: PLATFORM_ADMIN, roles: ["Platform.Admin"] },
  user: { oid: DATA_USER, roles: ["Environment.User"] },
};

export class Keyward {
  /** The HTTP API and the customer's side of the setup (shared with the bench). */
  readonly api: EmbeddedApi;

  private constructor(readonly stack: RunningStack, readonly dataDir: string) {
    this.api = new EmbeddedApi(stack);
  }

  /**
   * `options.timers`: run the timer functions on their schedules (off by default: tests trigger
   * them with stack.runtime.triggerTimer; a schedule set in `settings` applies when on).
   * `options.namespace`: share the state tables of another keyward on the same storage.
   * `options.storageConnectionString`: another storage than the run's Azurite (one a test stops).
   */
  static async start(settings: Record<string, string> = {}, options: { timers?: boolean; storageByIdentity?: boolean; namespace?: string; storageConnectionString?: string; log?: (line: string) => void } = {}): Promise<Keyward> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-test-"));
    const stack = await startStack({
      dataDir, namespace: options.namespace ?? uniquePrefix("kw"), timers: options.timers ?? false, log: options.log,
      // storageByIdentity: an Azurite of its own in OAuth mode, reached by identity only (local/stack.ts).
      ...(options.storageByIdentity ? { storageByIdentity: true } : { storageConnectionString: options.storageConnectionString ?? testStorage() }),
      settings: { KEYWARD_DEK_CACHE_TTL_SECONDS: "2", ...settings },
      loadApp: () => import("../../app.js"),
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
  call<T = any>(method: string, route: string, options: CallOptions = {}): Promise<ApiResult<T>> {
    return this.api.call<T>(method, route, options);
  }

  keysAdmin = (method: string, route: string, body?: unknown) => this.call(method, route, { as: AS.keysAdmin, body });
  platformAdmin = (method: string, route: string, body?: unknown) => this.call(method, route, { as: AS.platformAdmin, body });
  user = (method: string, route: string, body?: unknown) => this.call(method, route, { as: AS.user, body });

  // ---- the customer's side, through the local vault (what they do in the Azure portal) ----

  get vault() { return this.stack.vault; }

  /** The local vault's management API: vaults, role assignments, faults, events, request log. */
  get management(): LocalVaultManagementClient { return this.api.management; }

  createCustomerVault(name: string, properties: { softDelete?: boolean; purgeProtection?: boolean } = {}): Promise<{ id: string; url: string }> {
    return this.api.createCustomerVault(name, CUSTOMER_KEY_OFFICER, properties);
  }

  keyClient(vaultName: string): KeyClient {
    return this.api.keyClient(vaultName, CUSTOMER_KEY_OFFICER);
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
  customerPolicy(options: {
    policy?: string; vault?: string; key?: string; location?: string; keySize?: number; keyOps?: string[];
    softDelete?: boolean; purgeProtection?: boolean;
  } = {}): Promise<CustomerPolicy> {
    return this.api.customerPolicy({
      keysAdmin: AS.keysAdmin, platformAdmin: AS.platformAdmin, keyOfficer: CUSTOMER_KEY_OFFICER,
      policy: options.policy ?? uniquePrefix("policy"), vaultName: options.vault ?? `cv${uniquePrefix("").slice(0, 12)}`,
      keyName: options.key, location: options.location, keySize: options.keySize, keyOps: options.keyOps,
      vaultProperties: { softDelete: options.softDelete, purgeProtection: options.purgeProtection },
    });
  }

  /**
   * An environment of the local tenant. The data user (DATA_USER) is a ReadWrite member unless
   * `members` says otherwise ([] for none).
   */
  environment(options: {
    id?: string; region?: string; type?: string; managed?: boolean; keyType?: string;
    members?: { objectId: string; access: "Read" | "ReadWrite" }[];
  } = {}): Promise<string> {
    const id = options.id ?? `env-${randomUUID().slice(0, 8)}`;
    return this.api.environment(AS.platformAdmin, id, { displayName: `Test ${id}`, members: [{ objectId: DATA_USER, access: "ReadWrite" }], ...options });
  }

  /** The data id of an environment of the local tenant: what its storage names and ciphertexts are bound to. */
  async dataIdOf(environmentId: string, tenantId = LOCAL_TENANT_ID): Promise<string> {
    const env = await services().state.forTenant(tenantId).getEnvironment(environmentId);
    if (!env) throw new Error(`no environment ${environmentId} in tenant ${tenantId}`);
    return env.dataId;
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
