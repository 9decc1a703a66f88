// Driving an embedded keyward from code the way its users do: the HTTP API as any principal, and
// the key vault administrator's side of the reference's setup (vault with soft delete and purge
// protection, an RSA key, the enterprise policy, the policy's identity granted on the key, Reader
// for the platform admin, the tenant's licence). The test harness and the bench both use it.
import { KeyClient } from "@azure/keyvault-keys";
import type { RunningStack } from "./stack";
import { issuerCredential } from "./platformKey";
import { localVaultAgent, localVaultManagementClient, type LocalVaultManagementClient } from "./keyvault";

export interface Principal {
  oid: string;
  roles: string[];
  /** The principal's tenant; the local tenant when absent. */
  tenantId?: string;
}

export interface ApiResult<T = any> {
  status: number;
  /** Parsed JSON, or the raw bytes for anything else. */
  body: T;
  headers: Headers;
}

export interface CallOptions {
  /** Who calls; null or absent sends no token. */
  as?: Principal | null;
  body?: unknown;
  raw?: Buffer;
  headers?: Record<string, string>;
}

export interface CustomerPolicy {
  policy: string;
  vaultName: string;
  vaultId: string;
  keyName: string;
  principalId: string;
  assignmentId: string;
}

export interface CustomerPolicyOptions {
  keysAdmin: Principal;
  platformAdmin: Principal;
  /** The principal that stands for the customer's vault administrator inside their vault. */
  keyOfficer: string;
  policy: string;
  vaultName: string;
  keyName?: string;
  location?: string;
  keySize?: number;
  keyOps?: string[];
  /** The customer vault's settings; soft delete and purge protection on by default, as the reference requires. */
  vaultProperties?: { softDelete?: boolean; purgeProtection?: boolean };
}

/** The reference's enterprise policy template body, for a key in a vault. */
export function enterprisePolicyBody(vaultId: string, keyName: string, location = "europe"): Record<string, unknown> {
  return {
    location, kind: "Encryption", identity: { type: "SystemAssigned" },
    properties: { encryption: { state: "Enabled", keyVault: { id: vaultId, key: { name: keyName } } } },
  };
}

export class EmbeddedApi {
  readonly management: LocalVaultManagementClient;

  constructor(readonly stack: RunningStack) {
    this.management = localVaultManagementClient(stack.vault);
  }

  async call<T = any>(method: string, route: string, options: CallOptions = {}): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.as) headers.authorization = `Bearer ${await this.stack.token(options.as.oid, options.as.roles, undefined, options.as.tenantId)}`;
    let body: string | Buffer | undefined;
    if (options.raw) {
      body = options.raw;
      headers["content-type"] ??= "application/octet-stream";
    } else if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${this.stack.apiBaseUrl}/${route.replace(/^\//, "")}`, { method, headers, body });
    const text = res.headers.get("content-type")?.includes("json") ? await res.text() : undefined;
    const parsed = text !== undefined ? (text ? JSON.parse(text) : undefined) : Buffer.from(await res.arrayBuffer());
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  /** Like call(), but throws unless the answer has `status`: setup that silently fails proves nothing. */
  async expect<T = any>(status: number, method: string, route: string, as: Principal, body?: unknown): Promise<T> {
    const res = await this.call<T>(method, route, { as, body });
    if (res.status !== status) throw new Error(`${method} ${route} answered ${res.status}, expected ${status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** A real KeyClient on a vault of the local Key Vault, as `officerOid`. */
  keyClient(vaultName: string, officerOid: string): KeyClient {
    return new KeyClient(this.stack.vault.vaultUrl(vaultName), issuerCredential(this.stack.issuer, officerOid),
      { agent: localVaultAgent({ caCertPem: this.stack.vault.caCertPem }) } as ConstructorParameters<typeof KeyClient>[2]);
  }

  /** A customer vault (soft delete and purge protection unless told otherwise) with `officerOid` as its Crypto Officer. */
  async createCustomerVault(name: string, officerOid: string, properties: { softDelete?: boolean; purgeProtection?: boolean } = {}): Promise<{ id: string; url: string }> {
    // Each default applied on its own: a property passed as undefined must not switch it off.
    const info = await this.management.putVault(name, {
      softDelete: properties.softDelete ?? true, purgeProtection: properties.purgeProtection ?? true, retentionDays: 90,
    });
    await this.management.putRoleAssignment(`officer-${name}`, { principalId: officerOid, roleDefinitionName: "Key Vault Crypto Officer", scope: info.id });
    return { id: info.id, url: this.stack.vault.vaultUrl(name) };
  }

  async customerPolicy(o: CustomerPolicyOptions): Promise<CustomerPolicy> {
    const keyName = o.keyName ?? "cmk";
    const vault = await this.createCustomerVault(o.vaultName, o.keyOfficer, o.vaultProperties);
    await this.keyClient(o.vaultName, o.keyOfficer).createRsaKey(keyName, {
      keySize: o.keySize ?? 2048, keyOps: (o.keyOps ?? ["wrapKey", "unwrapKey"]) as NonNullable<Parameters<KeyClient["createRsaKey"]>[1]>["keyOps"],
    });
    const created = await this.expect(201, "PUT", `enterprisePolicies/${o.policy}`, o.keysAdmin, enterprisePolicyBody(vault.id, keyName, o.location));
    const principalId = created.identity.principalId as string;
    // Named by the policy's identity, not its name: two tenants may each have a policy of the same name.
    const assignmentId = `policy-${principalId}`;
    await this.management.putRoleAssignment(assignmentId, { principalId, roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: vault.id });
    await this.expect(200, "PUT", `enterprisePolicies/${o.policy}/readers/${o.platformAdmin.oid}`, o.keysAdmin);
    await this.expect(200, "PUT", "tenant/licenses", o.platformAdmin, { subscriptions: ["Microsoft 365 E5"] });
    return { policy: o.policy, vaultName: o.vaultName, vaultId: vault.id, keyName, principalId, assignmentId };
  }

  /** Creates an environment in the platform admin's tenant, and grants `members` its data. */
  async environment(platformAdmin: Principal, id: string, options: {
    displayName?: string; region?: string; type?: string; managed?: boolean; keyType?: string;
    members?: { objectId: string; access: "Read" | "ReadWrite" }[];
  } = {}): Promise<string> {
    await this.expect(201, "PUT", `environments/${id}`, platformAdmin, {
      displayName: options.displayName ?? `Environment ${id}`, region: options.region ?? "europe", type: options.type ?? "Production",
      managed: options.managed ?? true, ...(options.keyType ? { keyType: options.keyType } : {}),
    });
    for (const m of options.members ?? []) {
      const res = await this.call("PUT", `environments/${id}/members/${m.objectId}`, { as: platformAdmin, body: { access: m.access } });
      if (res.status !== 201 && res.status !== 200) throw new Error(`granting ${m.objectId} on ${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    return id;
  }
}
