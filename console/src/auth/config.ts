// The sign-in configuration document the app serves (functions/console/consoleConfig.ts); its
// types are the server's own (a type-only import: nothing of the server is bundled).
import type { ConsoleConfig } from "../../../functions/console/configTypes";

export type { ConsoleConfig, LocalIdentity } from "../../../functions/console/configTypes";

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch("/console/config.json", { cache: "no-store" });
  if (!res.ok) throw new Error(`GET /console/config.json answered ${res.status}`);
  return (await res.json()) as ConsoleConfig;
}
