// The TokenCredential keyward uses to act as an identity towards a vault: an enterprise policy's
// identity (which the customer grants wrapKey/unwrapKey/get on their key) or the platform's.
// In Azure that is a user-assigned managed identity of the Function app; locally, the local
// issuer mints tokens for any principal id over its loopback token endpoint.
import { ManagedIdentityCredential } from "@azure/identity";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { settings } from "../settings";

export interface KeyVaultIdentity {
  /** The identity's object (principal) id: what role assignments name. */
  principalId: string;
  /** The managed identity's client id; absent means the app's system-assigned identity. */
  clientId?: string;
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
    if (!principalId) throw new Error("LocalTokenCredential: a principal id is required");
    if (!tokenEndpoint) throw new Error("LocalTokenCredential: KEYWARD_LOCAL_TOKEN_ENDPOINT is not set");
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
 * Precondition: principalId set; in local mode KEYWARD_LOCAL_TOKEN_ENDPOINT set.
 */
export function credentialFor(identity: KeyVaultIdentity): TokenCredential {
  if (!identity || !identity.principalId) throw new Error("credentialFor: the identity has no principal id");
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
