// The TokenCredential keyward uses to act as an identity towards a vault: an enterprise policy's
// identity (which the customer grants wrapKey/unwrapKey/get on their key) or the platform's.
// In Azure that is a user-assigned managed identity of the Function app; locally, the local
// issuer mints tokens for any principal id over its loopback token endpoint.
// A vault in another Entra tenant is reached as keyward's multi-tenant app in that tenant: a
// ClientAssertionCredential whose assertion is keyward's own identity's token for
// api://AzureADTokenExchange (a federated identity credential on the app trusts it), in Azure and
// locally alike (locally the local issuer's HTTPS authority plays Entra's token exchange).
import { ClientAssertionCredential, ManagedIdentityCredential } from "@azure/identity";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { needs } from "../errors";
import { settings } from "../settings";
import { localVaultAgentFromSettings } from "./transport";

export interface KeyVaultIdentity {
  /** The identity's object (principal) id: what role assignments name. */
  principalId: string;
  /** The managed identity's client id; absent means the app's system-assigned identity. */
  clientId?: string;
  /**
   * The vault's Entra tenant when it is not keyward's own: the identity is then keyward's
   * multi-tenant app's service principal there (principalId its object id in that tenant).
   */
  tenantId?: string;
}

/** An error from the local token endpoint, shaped so classify.ts can tell network from refusal. */
export class LocalTokenError extends Error {
  override readonly name = "LocalTokenError";
  constructor(message: string, readonly statusCode?: number, readonly code?: string) {
    super(message);
  }
}

/** "https://vault.azure.net/.default" -> "https://vault.azure.net" (the token's audience). */
export function audienceFromScopes(scopes: string | string[]): string {
  const list = Array.isArray(scopes) ? scopes : [scopes];
  if (list.length !== 1 || !list[0]) throw new LocalTokenError(`expected exactly one scope, got ${JSON.stringify(list)}`);
  return list[0].replace(/\/\.default$/, "");
}

interface CachedToken {
  token: AccessToken;
  refreshAt: number;
}

/**
 * Local mode: POST {oid, audience} to the local issuer's token endpoint. Tokens are cached per
 * audience until shortly before they expire (5 minutes, or half the lifetime if shorter), and one
 * request per audience is in flight at a time.
 */
export class LocalTokenCredential implements TokenCredential {
  private readonly cache = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<AccessToken>>();

  constructor(
    readonly principalId: string,
    private readonly tokenEndpoint: string,
    private readonly now: () => number = Date.now,
  ) {
    needs(principalId, "LocalTokenCredential: a principal id is required; the local issuer mints tokens for one principal");
    needs(tokenEndpoint, "LocalTokenCredential: KEYWARD_LOCAL_TOKEN_ENDPOINT is not set; in local identity mode every token comes from the local issuer");
  }

  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    const audience = audienceFromScopes(scopes);
    const cached = this.cache.get(audience);
    if (cached && this.now() < cached.refreshAt) return cached.token;
    let pending = this.inFlight.get(audience);
    if (!pending) {
      pending = this.fetchToken(audience).finally(() => this.inFlight.delete(audience));
      this.inFlight.set(audience, pending);
    }
    return pending;
  }

  private async fetchToken(audience: string): Promise<AccessToken> {
    let res: Response;
    try {
      res = await fetch(this.tokenEndpoint, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ oid: this.principalId, audience }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: unknown } }).cause;
      const code = typeof cause?.code === "string" ? cause.code : (err as { name?: string }).name === "TimeoutError" ? "ETIMEDOUT" : undefined;
      throw new LocalTokenError(`local token endpoint unreachable: ${(err as Error).message}`, undefined, code);
    }
    const text = await res.text();
    if (!res.ok) throw new LocalTokenError(`local token endpoint answered ${res.status}: ${text.slice(0, 200)}`, res.status);
    let body: { access_token?: unknown; expires_on?: unknown };
    try { body = JSON.parse(text) as typeof body; } catch { throw new LocalTokenError("local token endpoint answered with invalid JSON", res.status); }
    if (typeof body.access_token !== "string" || typeof body.expires_on !== "number") {
      throw new LocalTokenError("local token endpoint answered without access_token/expires_on", res.status);
    }
    const expiresOnTimestamp = body.expires_on * 1000;
    const lifetime = expiresOnTimestamp - this.now();
    const refreshAt = expiresOnTimestamp - Math.min(5 * 60_000, lifetime / 2);
    const token: AccessToken = { token: body.access_token, expiresOnTimestamp, refreshAfterTimestamp: refreshAt, tokenType: "Bearer" };
    this.cache.set(audience, { token, refreshAt });
    return token;
  }
}

const credentials = new Map<string, TokenCredential>();

/**
 * The credential for an identity, one instance per (mode, identity, endpoint) so token caches
 * are shared by every client acting as that identity.
 */
export function credentialFor(identity: KeyVaultIdentity): TokenCredential {
  needs(identity?.principalId, "credentialFor: the identity has no principal id; a credential acts as one principal, and every cache of tokens is keyed by it");
  if (identity.tenantId) return crossTenantCredential(identity.tenantId);
  const s = settings();
  const key = JSON.stringify([s.identityMode, identity.principalId, identity.clientId ?? "", s.identityMode === "local" ? s.localTokenEndpoint : ""]);
  let credential = credentials.get(key);
  if (!credential) {
    credential = s.identityMode === "local"
      ? new LocalTokenCredential(identity.principalId, s.localTokenEndpoint)
      : identity.clientId
        ? new ManagedIdentityCredential({ clientId: identity.clientId })
        : new ManagedIdentityCredential();
    credentials.set(key, credential);
  }
  return credential;
}

/** The audience of the assertion a federated identity credential accepts (Entra's documented value). */
export const TOKEN_EXCHANGE_SCOPE = "api://AzureADTokenExchange/.default";

/** Thrown when a cross-tenant vault is used but keyward has no multi-tenant app configured. */
export class CrossTenantNotConfigured extends Error {
  override readonly name = "CrossTenantNotConfigured";
}

/**
 * keyward's multi-tenant app in `tenantId`, one credential per (tenant, app, authority). The
 * assertion is the platform identity's token for api://AzureADTokenExchange (fetched per call; the
 * inner credential caches it), so no secret or certificate exists anywhere.
 * Without KEYWARD_CROSS_TENANT_CLIENT_ID it throws CrossTenantNotConfigured: an admin's setup to
 * finish, which the key sources turn into a 409 the caller can act on, so not a needs() check.
 */
export function crossTenantCredential(tenantId: string): TokenCredential {
  const s = settings();
  if (!s.crossTenantClientId) {
    throw new CrossTenantNotConfigured(`The vault is in tenant ${tenantId}, and keyward reaches it only as its multi-tenant app's service principal there: ` +
      "set KEYWARD_CROSS_TENANT_CLIENT_ID (infra/README.md, step 2: keyward's multi-tenant app).");
  }
  needs(s.platformPrincipalId || s.platformClientId, "crossTenantCredential: KEYWARD_PLATFORM_PRINCIPAL_ID (or KEYWARD_PLATFORM_CLIENT_ID) is not set; the multi-tenant app's assertion is keyward's own identity's token");
  const key = JSON.stringify(["crossTenant", tenantId.toLowerCase(), s.crossTenantClientId, s.authorityHost, s.identityMode, s.localTokenEndpoint]);
  let credential = credentials.get(key);
  if (!credential) {
    const own = credentialFor({ principalId: s.platformPrincipalId || s.platformClientId, clientId: s.platformClientId || undefined });
    const publicCloud = s.authorityHost === "https://login.microsoftonline.com";
    const agent = localVaultAgentFromSettings();
    credential = new ClientAssertionCredential(tenantId, s.crossTenantClientId, async () => {
      const assertion = await own.getToken(TOKEN_EXCHANGE_SCOPE);
      if (!assertion) throw new Error("keyward's identity returned no token for api://AzureADTokenExchange");
      return assertion.token;
    }, {
      authorityHost: s.authorityHost,
      // Instance discovery asks login.microsoftonline.com about the authority: only for Entra's own hosts.
      disableInstanceDiscovery: !publicCloud,
      // Locally the authority's certificate chains to the local CA (core-rest-pipeline honours agent).
      ...(agent ? { agent } : {}),
    } as ConstructorParameters<typeof ClientAssertionCredential>[3]);
    credentials.set(key, credential);
  }
  return credential;
}
