// The console's sign-in configuration, from app settings, served anonymously at
// /console/config.json (it holds no secret: a public client id, an authority, a scope):
// - in Azure, `{mode: "msal", clientId, authority, apiScope}` for @azure/msal-browser against the
//   app registration the README documents (KEYWARD_CONSOLE_CLIENT_ID, optional
//   KEYWARD_CONSOLE_AUTHORITY and KEYWARD_CONSOLE_API_SCOPE);
// - on the embedded default only (the local stack sets KEYWARD_CONSOLE_AUTH_MODE=local with the
//   local identities, and keyward itself runs with KEYWARD_IDENTITY_MODE=local),
//   `{mode: "local", tokenEndpoint, audience, identities}`: a sign-in page lists the identities and
//   takes their tokens from the local issuer;
// - otherwise `{mode: "unconfigured", message}` saying which setting is missing.

import type { ConsoleConfig, LocalIdentity } from "./configTypes";

export type { ConsoleConfig, LocalIdentity };

const DEFAULT_AUDIENCE = "api://keyward";

function setting(env: NodeJS.ProcessEnv, name: string): string {
  return (env[name] ?? "").trim();
}

/** https://login.microsoftonline.com/{tenant}/v2.0 (the API's issuer) -> https://login.microsoftonline.com/{tenant}. */
function authorityFromIssuer(issuer: string): string {
  // A multi-tenant issuer ({tenantid}) signs in any organisation's users.
  return issuer.replace("{tenantid}", "organizations").replace(/\/v2\.0\/?$/, "");
}

function parseIdentities(text: string): LocalIdentity[] | undefined {
  try {
    const list = JSON.parse(text) as unknown;
    if (!Array.isArray(list)) return undefined;
    return list.filter((i): i is LocalIdentity => typeof i === "object" && i !== null && typeof i.oid === "string" && typeof i.tid === "string" && Array.isArray(i.roles))
      .map((i) => ({ name: String(i.name ?? i.oid), oid: i.oid, tid: i.tid, tenantName: String(i.tenantName ?? i.tid), roles: i.roles.map(String) }));
  } catch {
    return undefined;
  }
}

export function consoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  const audience = setting(env, "KEYWARD_AUTH_AUDIENCE") || DEFAULT_AUDIENCE;
  const mode = setting(env, "KEYWARD_CONSOLE_AUTH_MODE") || "msal";
  if (mode === "local") {
    // Never in a deployed app: the local issuer mints any token, and only the embedded default runs one.
    if (setting(env, "KEYWARD_IDENTITY_MODE") !== "local") {
      return { mode: "unconfigured", message: "KEYWARD_CONSOLE_AUTH_MODE=local is only for the embedded default (npm start). In Azure remove it and set KEYWARD_CONSOLE_CLIENT_ID." };
    }
    const tokenEndpoint = setting(env, "KEYWARD_LOCAL_TOKEN_ENDPOINT");
    const identities = parseIdentities(setting(env, "KEYWARD_CONSOLE_LOCAL_IDENTITIES") || "[]");
    if (!tokenEndpoint || !identities) {
      return { mode: "unconfigured", message: "The local sign-in needs KEYWARD_LOCAL_TOKEN_ENDPOINT and KEYWARD_CONSOLE_LOCAL_IDENTITIES (a JSON list); npm start sets both." };
    }
    return { mode: "local", tokenEndpoint, audience, identities };
  }
  if (mode !== "msal") {
    return { mode: "unconfigured", message: `KEYWARD_CONSOLE_AUTH_MODE must be 'msal' (the default) or 'local', not '${mode}'.` };
  }
  const clientId = setting(env, "KEYWARD_CONSOLE_CLIENT_ID");
  const issuer = setting(env, "KEYWARD_AUTH_ISSUER");
  const authority = setting(env, "KEYWARD_CONSOLE_AUTHORITY") || (issuer ? authorityFromIssuer(issuer) : "");
  if (!clientId || !authority) {
    return { mode: "unconfigured", message: "Sign-in is not configured: set KEYWARD_CONSOLE_CLIENT_ID to the console's app registration (a single-page application " +
      "with this site's address as redirect URI) and KEYWARD_AUTH_ISSUER (or KEYWARD_CONSOLE_AUTHORITY)." };
  }
  return { mode: "msal", clientId, authority, apiScope: setting(env, "KEYWARD_CONSOLE_API_SCOPE") || `${audience}/.default` };
}

/** The origins the console's page may talk to besides its own: the sign-in service. */
export function signInOrigins(config: ConsoleConfig): string[] {
  const url = config.mode === "local" ? config.tokenEndpoint : config.mode === "msal" ? config.authority : undefined;
  if (!url) return [];
  try {
    return [new URL(url).origin];
  } catch {
    return [];
  }
}
