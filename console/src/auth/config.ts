// The sign-in configuration document the app serves (functions/console/consoleConfig.ts).

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

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch("/console/config.json", { cache: "no-store" });
  if (!res.ok) throw new Error(`GET /console/config.json answered ${res.status}`);
  return (await res.json()) as ConsoleConfig;
}
