// Who is signed in, as the console knows it: the claims of the API token (roles come from the
// token, so the console offers exactly what the API will accept), and how to get a fresh token.

export interface Session {
  /** Object id (oid) of the signed-in principal. */
  oid: string;
  /** A display name: the account's name, or the local identity's. */
  name: string;
  tenantId: string;
  /** A tenant name where known (local identities), else the tenant id. */
  tenantName: string;
  roles: string[];
  token(): Promise<string>;
  signOut(): Promise<void>;
}

export interface TokenClaims {
  oid?: string;
  sub?: string;
  tid?: string;
  roles?: string[];
  name?: string;
  preferred_username?: string;
  exp?: number;
}

/** The payload of a JWT, unverified: the API verifies; the console only reads who it is. */
export function readClaims(token: string): TokenClaims {
  const part = token.split(".")[1] ?? "";
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  try {
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)))) as TokenClaims;
  } catch {
    return {};
  }
}

export const Role = { KeysAdmin: "Keys.Admin", PlatformAdmin: "Platform.Admin", EnvironmentUser: "Environment.User" } as const;

export const isKeysAdmin = (s: Session) => s.roles.includes(Role.KeysAdmin);
export const isPlatformAdmin = (s: Session) => s.roles.includes(Role.PlatformAdmin);
export const isAdmin = (s: Session) => isKeysAdmin(s) || isPlatformAdmin(s);
