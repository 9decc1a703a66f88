// `npm start [-- --port 7071]`: keyward on its embedded default. Starts Azurite, the local token
// issuer, the local Key Vault (with the platform key) and the runtime serving the app; prints the
// API URL and a ready token per role, and writes them to .keyward/local.json.
//
// Environment (all optional): KEYWARD_LOCAL_DIR, the data folder (default .keyward);
// KEYWARD_LOCAL_STORAGE, a storage connection string to use instead of starting Azurite (the
// crash tests run keyward in a child process on the test run's Azurite); KEYWARD_LOCAL_NAMESPACE,
// the prefix of keyward's tables and task hub in that storage (keep it across restarts to find
// the same data and orchestrations). Any KEYWARD_* app setting set in the environment applies too.
// The local vault applies role assignment changes ROLE_PROPAGATION_SECONDS late, as Azure RBAC
// does (KEYWARD_LOCAL_ROLE_PROPAGATION_SECONDS overrides; see local/keyvault/README.md), and
// throttles each vault at Azure's service limits (KEYWARD_LOCAL_VAULT_THROTTLING=false turns it off).
import { startStack, APP_AUDIENCE } from "../stack";
import { LOCAL_DIR, LOCAL_FILE, writeLocalFile } from "./localFile";

const ROLE_PROPAGATION_SECONDS = 5;

import { LOCAL_PRINCIPALS as PRINCIPALS } from "../localPrincipals";
import { LOCAL_TENANT_ID } from "../issuer";

function portArg(argv: string[]): number {
  const i = argv.indexOf("--port");
  if (i === -1) return Number(process.env.PORT ?? 7071);
  const port = Number(argv[i + 1]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port needs a port number, not ${JSON.stringify(argv[i + 1])}`);
  return port;
}

async function main(): Promise<void> {
  const port = portArg(process.argv.slice(2));
  const verbose = process.argv.includes("--verbose");
  const stack = await startStack({
    dataDir: LOCAL_DIR, port, log: verbose ? (l) => console.log(l) : undefined,
    storageConnectionString: process.env.KEYWARD_LOCAL_STORAGE || undefined, namespace: process.env.KEYWARD_LOCAL_NAMESPACE || undefined,
    vaultBehaviour: { rolePropagationSeconds: ROLE_PROPAGATION_SECONDS, throttling: { enabled: true } },
  });
  const tokens = {} as Record<keyof typeof PRINCIPALS, string>;
  for (const [role, oid] of Object.entries(PRINCIPALS) as [keyof typeof PRINCIPALS, string][]) {
    tokens[role] = await stack.issuer.sign({ oid, roles: [role], audience: APP_AUDIENCE, lifetimeSeconds: 12 * 3600 });
  }
  writeLocalFile({
    apiBaseUrl: stack.apiBaseUrl, tenantId: LOCAL_TENANT_ID, tokens, principals: { ...PRINCIPALS }, storageConnectionString: stack.storageConnectionString,
    issuer: stack.issuer.issuer, tokenEndpoint: stack.issuer.tokenEndpoint, audience: APP_AUDIENCE,
    vault: { urlTemplate: stack.vault.urlTemplate, managementUrl: stack.vault.managementUrl, caCertPath: stack.vault.caCertPath },
    platformKeyId: stack.platformKeyId, systemKeys: stack.runtime.systemKeys, startedAt: new Date().toISOString(),
  });
  console.log(`keyward is running: ${stack.apiBaseUrl}`);
  console.log(`  health:        curl ${stack.apiBaseUrl}/health`);
  console.log(`  admin console: ${stack.baseUrl}/ (sign in as any local identity)`);
  console.log(`  local vault:   ${stack.vault.urlTemplate} (management ${stack.vault.managementUrl}, CA ${stack.vault.caCertPath})`);
  console.log(`  token issuer:  ${stack.issuer.issuer}`);
  console.log(`  endpoints and tokens: ${LOCAL_FILE}`);
  for (const [role, token] of Object.entries(tokens)) console.log(`\n${role} token (oid ${PRINCIPALS[role as keyof typeof PRINCIPALS]}, 12 h):\n${token}`);
  console.log("\nCtrl-C stops it; data persists in .keyward/.");
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await stack.stop().catch((e: unknown) => console.error(e));
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(`keyward failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
});
