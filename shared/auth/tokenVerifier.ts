// Verifies bearer tokens: signature against the issuer's JWKS, issuer, audience, expiry and
// not-before with bounded clock skew, and the tenant. Entra ID in Azure, the local issuer in
// `npm start` and tests. keyward serves many tenants: the issuer may be a template naming
// {tenantid} (as Entra's multi-tenant issuer is), and then a token is accepted only when its
// `iss` is the template with the token's own `tid` filled in.
import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTPayload } from "jose";

export interface VerifiedCaller {
  /** The caller's object id (`oid`, falling back to `sub`). */
  oid: string;
  roles: string[];
  /** The caller's Entra tenant (`tid`): every resource it reaches belongs to this tenant. */
  tenantId: string;
  claims: JWTPayload;
}

export interface TokenVerifierOptions {
  /** The issuer, or a template with {tenantid} (https://login.microsoftonline.com/{tenantid}/v2.0). */
  issuer: string;
  audience: string | string[];
  /** JWKS URL; discovered from `${issuer}/.well-known/openid-configuration` when omitted ({tenantid} read as "common"). */
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

const TENANT_PLACEHOLDER = "{tenantid}";
const TENANT_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const templated = options.issuer.includes(TENANT_PLACEHOLDER);
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  const keys = async () => {
    if (!jwks) jwks = createRemoteJWKSet(new URL(options.jwksUri ?? (await discoverJwksUri(options.issuer.replace(TENANT_PLACEHOLDER, "common")))));
    return jwks;
  };
  return async (token: string) => {
    try {
      const { payload } = await jwtVerify(token, await keys(), {
        // A templated issuer is checked below, against the token's own tenant.
        ...(templated ? {} : { issuer: options.issuer }),
        audience: options.audience,
        algorithms: ["RS256"],
        clockTolerance: options.clockSkewSeconds ?? 120,
        requiredClaims: ["exp", "iss", "aud"],
      });
      const oid = typeof payload.oid === "string" ? payload.oid : payload.sub;
      if (!oid) throw new TokenRejected("the token names no principal (oid or sub)");
      const tenantId = typeof payload.tid === "string" && TENANT_ID.test(payload.tid) ? payload.tid.toLowerCase() : undefined;
      if (!tenantId) throw new TokenRejected("the token names no tenant (tid)");
      if (templated && payload.iss !== options.issuer.replace(TENANT_PLACEHOLDER, payload.tid as string)) {
        throw new TokenRejected("the token's iss claim is not accepted");
      }
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === "string") : [];
      return { oid, roles, tenantId, claims: payload };
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
