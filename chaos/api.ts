// The campaign talks to keyward only as outside clients do: the HTTP API with tokens of the local
// issuer (one per tenant and role, minted once: the issuer's key and port survive restarts, so
// they stay valid), the local vault's management API, and a KeyClient as the customer's key
// officer. A call never throws: a refused connection, a dropped one or a timeout is status 0.
import fs from "node:fs";
import { KeyClient } from "@azure/keyvault-keys";
import type { TokenCredential } from "@azure/core-auth";
import { localVaultAgent, localVaultManagementClient, type LocalVaultManagementClient } from "../local/keyvault";
import type { LocalRole } from "../local/localPrincipals";
import type { KeywardProcess } from "./processes";

export const KEY_OFFICER = "dddddddd-0000-4000-8000-00000000c4a0";

export interface Answer<T = any> {
  /** The HTTP status, or 0 when no answer came (connection refused or dropped, timeout). */
  status: number;
  body: T;
  /** Why there was no answer. */
  failure?: string;
}

export interface Tenant {
  name: string;
  tid: string;
  principals: Record<LocalRole, string>;
  tokens: Record<LocalRole, string>;
}

export async function mintToken(tokenEndpoint: string, request: { oid: string; roles: string[]; tid?: string; audience: string }): Promise<string> {
  const res = await fetch(tokenEndpoint, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...request, lifetimeSeconds: 12 * 3600 }) });
  if (res.status !== 200) throw new Error(`token endpoint: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export class Api {
  constructor(private readonly keyward: KeywardProcess, private readonly timeoutMs = 30_000) {}

  async call<T = any>(tenant: Tenant, role: LocalRole, method: string, route: string, body?: unknown): Promise<Answer<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${tenant.tokens[role]}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      const res = await fetch(`${this.keyward.local.apiBaseUrl}/${route}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON: keep the text */ }
      return { status: res.status, body: parsed as T };
    } catch (err) {
      return { status: 0, body: undefined as T, failure: err instanceof Error ? `${err.name}: ${(err.cause as Error | undefined)?.message ?? err.message}` : String(err) };
    }
  }

  management(): LocalVaultManagementClient {
    const local = this.keyward.local;
    return localVaultManagementClient({ managementUrl: local.vault.managementUrl, caCertPem: fs.readFileSync(local.vault.caCertPath, "utf8") });
  }

  keyClient(vaultName: string): KeyClient {
    const local = this.keyward.local;
    const credential: TokenCredential = {
      getToken: async () => ({ token: await mintToken(local.tokenEndpoint, { oid: KEY_OFFICER, roles: [], audience: "https://vault.azure.net" }), expiresOnTimestamp: Date.now() + 3_000_000 }),
    };
    return new KeyClient(local.vault.urlTemplate.replace("{vault}", vaultName), credential, {
      agent: localVaultAgent({ caCertPem: fs.readFileSync(local.vault.caCertPath, "utf8") }),
      retryOptions: { maxRetries: 2 },
    } as ConstructorParameters<typeof KeyClient>[2]);
  }
}
