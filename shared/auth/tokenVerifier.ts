// Verifies bearer tokens: signature against the issuer's JWKS, issuer, audience, expiry and
// not-before with bounded clock skew. Entra ID in Azure, the local issuer in `npm start` and tests.
import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTPayload } from "jose";

export interface VerifiedCaller {
  /** The caller's object id (`oid`, falling back to `sub`). */
  oid: string;
  roles: string[];
  tenantId?: string;
  claims: JWTPayload;
}

export interface TokenVerifierOptions {
  issuer: string;
  audience: string | string[];
  /** JWKS URL; discovered from `${issuer}/.well-known/openid-configuration` when omitted. */
  jwksUri?: string;
  clockSkewSeconds?: number;
}

export class TokenRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "TokenRejected";
  }
}

export type TokenVerifier = (token: string) => Promise<VerifiedCaller>;

async function discoverJwksUri(issuer: string): Promise<string> {
  const res = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`OpenID discovery for ${issuer} answered ${res.status}`);
  const doc = (await res.json()) as { jwks_uri?: unknown };
  if (typeof doc.jwks_uri !== "string") throw new Error(`OpenID discovery for ${issuer} has no jwks_uri`);
  return doc.jwks_uri;
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  const keys = async () => {
    if (!jwks) jwks = createRemoteJWKSet(new URL(options.jwksUri ?? (await discoverJwksUri(options.issuer))));
    return jwks;
  };
  return async (token: string) => {
    try {
      const { payload } = await jwtVerify(token, await keys(), {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ["RS256"],
        clockTolerance: options.clockSkewSeconds ?? 120,
        requiredClaims: ["exp", "iss", "aud"],
      });
      const oid = typeof payload.oid === "string" ? payload.oid : payload.sub;
      if (!oid) throw new TokenRejected("the token names no principal (oid or sub)");
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === "string") : [];
      return { oid, roles, tenantId: typeof payload.tid === "string" ? payload.tid : undefined, claims: payload };
    } catch (err) {
      if (err instanceof TokenRejected) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new TokenRejected("the token has expired");
      if (err instanceof joseErrors.JWTClaimValidationFailed) throw new TokenRejected(`the token's ${err.claim} claim is not accepted`);
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) throw new TokenRejected("the token's signature does not verify");
      if (err instanceof joseErrors.JOSEError) throw new TokenRejected(`the token is not valid (${err.code})`);
      throw err;
    }
  };
}
