// The console's sign-in configuration document (GET /console/config.json): its types only, so the
// server (consoleConfig.ts) and the browser app (console/src/auth/config.ts) share one definition.

export interface LocalIdentity {
  name: string;
  oid: string;
  tid: string;
  tenantName: string;
  roles: string[];
}

export type ConsoleConfig =
  | { mode: "msal"; clientId: string; authority: string; apiScope: string }
  | { mode: "local"; tokenEndpoint: string; audience: string; identities: LocalIdentity[] }
  | { mode: "unconfigured"; message: string };
