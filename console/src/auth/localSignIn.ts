// Sign-in on the embedded default: the page lists the local identities, and their tokens come
// from the local issuer's loopback token endpoint (never offered by a deployed app). The chosen
// identity is remembered for the browser tab, so a reload stays signed in.
import type { LocalIdentity } from "./config";
import { readClaims, type Session } from "./session";

const STORAGE_KEY = "keyward.console.localIdentity";

interface IssuedToken {
  access_token: string;
  expires_on: number;
}

async function issue(tokenEndpoint: string, audience: string, identity: LocalIdentity): Promise<IssuedToken> {
  const res = await fetch(tokenEndpoint, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ oid: identity.oid, tid: identity.tid, roles: identity.roles, audience, lifetimeSeconds: 3600 }),
  });
  if (!res.ok) throw new Error(`The local token issuer (${tokenEndpoint}) answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as IssuedToken;
}

export async function localSession(tokenEndpoint: string, audience: string, identity: LocalIdentity, onSignOut: () => void): Promise<Session> {
  let current = await issue(tokenEndpoint, audience, identity);
  const claims = readClaims(current.access_token);
  sessionStorage.setItem(STORAGE_KEY, identity.oid);
  return {
    oid: claims.oid ?? identity.oid, name: identity.name, tenantId: claims.tid ?? identity.tid, tenantName: identity.tenantName,
    roles: claims.roles ?? [],
    token: async () => {
      // Renewed a minute before it expires.
      if (current.expires_on * 1000 - Date.now() < 60_000) current = await issue(tokenEndpoint, audience, identity);
      return current.access_token;
    },
    signOut: async () => {
      sessionStorage.removeItem(STORAGE_KEY);
      onSignOut();
    },
  };
}

/** The identity this tab signed in as before a reload, if it is still offered. */
export function rememberedIdentity(identities: LocalIdentity[]): LocalIdentity | undefined {
  const oid = sessionStorage.getItem(STORAGE_KEY);
  return identities.find((i) => i.oid === oid);
}
