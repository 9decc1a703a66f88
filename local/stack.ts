// The embedded default, assembled: Azurite, the local token issuer, the local Key Vault with
// the platform's vault and key, the app settings that point keyward at them, and the runtime
// serving the app. `npm start` and the integration tests both start keyward through here.
// The functions-core stand-in must be in place before @azure/functions is first loaded.
import "./functionsCore";
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { startAzurite, type RunningAzurite } from "./azurite";
import { startLocalIssuer, type LocalIssuer, LOCAL_TENANT_ID } from "./issuer";
import { startLocalVault, localVaultManagementClient, type LocalVault } from "./keyvault";
import { createTokenVerifier } from "../shared/auth/tokenVerifier";
import { createPlatformKeys, PLATFORM_VAULT } from "./platformKey";
import { localKeyVaultSettings } from "./keyVaultSettings";
import { startRuntime, type RunningRuntime } from "./runtime";
import { readHostJson } from "./hostJson";
import { localConsoleIdentities } from "./localPrincipals";

export const APP_AUDIENCE = "api://keyward";
export const VAULT_AUDIENCE = "https://vault.azure.net";

export interface StackOptions {
  /** Folder for everything kept between runs (Azurite data, issuer key, vault state). */
  dataDir: string;
  /** Use this storage instead of starting Azurite (tests share one Azurite). */
  storageConnectionString?: string;
  /** Port of the API; 0 for any free port. */
  port?: number;
  /** Prefix for keyward's state tables and the durable task hub, so runs sharing storage stay apart. */
  namespace?: string;
  /** Extra app settings (e.g. KEYWARD_DEK_CACHE_TTL_SECONDS) applied before the app starts. */
  settings?: Record<string, string>;
  timers?: boolean;
  log?: (line: string) => void;
  /** Loads app.ts, which registers every function. The compiled CLI requires dist/app.js; tests import the source. */
  loadApp?: () => Promise<unknown>;
}

export interface RunningStack {
  apiBaseUrl: string;
  baseUrl: string;
  port: number;
  storageConnectionString: string;
  issuer: LocalIssuer;
  vault: LocalVault;
  platformKeyId: string;
  /** The app settings keyward runs with. */
  appSettings: Record<string, string>;
  runtime: RunningRuntime;
  token(oid: string, roles: string[], audience?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Precondition: nothing in this process has loaded app.ts yet (registrations happen once per process).
 * Postcondition: the API answers on apiBaseUrl and process.env holds keyward's app settings.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const log = options.log ?? (() => undefined);
  const namespace = options.namespace ?? "keyward";
  let azurite: RunningAzurite | undefined;
  const storageConnectionString = options.storageConnectionString ?? (azurite = await startAzurite({ location: path.join(options.dataDir, "azurite") })).connectionString;
  // The issuer and the vault keep their ports across restarts: tokens name the issuer's URL, and
  // every stored key id names the vault's.
  const issuer = await startLocalIssuer({ dataDir: options.dataDir, port: rememberedPort(options.dataDir, "issuer") });
  rememberPort(options.dataDir, "issuer", issuer.port);
  const verifyVaultToken = createTokenVerifier({ issuer: issuer.issuer, audience: VAULT_AUDIENCE, jwksUri: issuer.jwksUri });
  const vault = await startLocalVault({ dataDir: path.join(options.dataDir, "vault"), port: rememberedPort(options.dataDir, "vault"), verifyToken: verifyVaultToken, tenantId: LOCAL_TENANT_ID, log });
  rememberPort(options.dataDir, "vault", vault.port);

  const platformPrincipalId = readOrCreateId(path.join(options.dataDir, "platform-principal.txt"));
  const { platformKeyId, byokKeyId } = await createPlatformKeys({ vault, issuer, platformPrincipalId });

  const appSettings: Record<string, string> = {
    AzureWebJobsStorage: storageConnectionString,
    KEYWARD_STATE_PREFIX: namespace,
    KEYWARD_AUTH_ISSUER: issuer.issuer,
    KEYWARD_AUTH_JWKS_URI: issuer.jwksUri,
    KEYWARD_AUTH_AUDIENCE: APP_AUDIENCE,
    ...localKeyVaultSettings(issuer, vault),
    KEYWARD_PLATFORM_KEY_ID: platformKeyId,
    KEYWARD_PLATFORM_PRINCIPAL_ID: platformPrincipalId,
    KEYWARD_PLATFORM_CLIENT_ID: platformPrincipalId,
    KEYWARD_BYOK_KEY_ID: byokKeyId,
    // The console's sign-in page lists these and takes their tokens from the local issuer.
    KEYWARD_CONSOLE_AUTH_MODE: "local",
    KEYWARD_CONSOLE_LOCAL_IDENTITIES: JSON.stringify(localConsoleIdentities()),
    ...options.settings,
  };
  Object.assign(process.env, appSettings);

  // The app registers its functions on import; the runtime must see the registrations.
  await (options.loadApp ?? (async () => require("../app")))();
  const runtime = await startRuntime({
    storageConnectionString, taskHub: `${namespace}Hub`, port: options.port ?? 0, timers: options.timers ?? true, log,
    // As the Functions host does: the app's host.json decides where its HTTP functions answer.
    routePrefix: readHostJson().routePrefix,
  });
  // The vault's events go to the app's Event Grid functions, as an Event Grid subscription would.
  await registerEventSubscriptions(vault, runtime.baseUrl);

  return {
    apiBaseUrl: runtime.apiBaseUrl, baseUrl: runtime.baseUrl, port: runtime.port, storageConnectionString, issuer, vault,
    platformKeyId, appSettings, runtime,
    token: (oid, roles, audience = APP_AUDIENCE) => issuer.sign({ oid, roles, audience }),
    stop: async () => {
      await runtime.stop();
      await vault.stop();
      await issuer.stop();
      await azurite?.stop();
    },
  };
}

/** Event Grid subscriptions of the app's Event Grid functions on the local vault. */
export { EVENT_FUNCTION_NAMES as EVENT_FUNCTIONS } from "../shared/events/names";
import { EVENT_FUNCTION_NAMES as EVENT_FUNCTIONS } from "../shared/events/names";

async function registerEventSubscriptions(vault: LocalVault, baseUrl: string): Promise<void> {
  const management = localVaultManagementClient(vault);
  for (const [name, fn] of Object.entries(EVENT_FUNCTIONS)) {
    await management.putEventSubscription(name, {
      endpoint: `${baseUrl}/runtime/webhooks/eventgrid?functionName=${fn}`, enabled: true,
      eventTypes: name === "resources" ? ["Microsoft.Resources.ResourceDeleteSuccess", "Microsoft.Resources.ResourceWriteSuccess"] : undefined,
    });
  }
}

function rememberedPort(dataDir: string, name: string): number {
  const file = path.join(dataDir, `${name}-port.txt`);
  return fs.existsSync(file) ? Number(fs.readFileSync(file, "utf8")) || 0 : 0;
}

function rememberPort(dataDir: string, name: string, port: number): void {
  fs.writeFileSync(path.join(dataDir, `${name}-port.txt`), String(port));
}

function readOrCreateId(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  const id = randomUUID();
  fs.writeFileSync(file, id);
  return id;
}

export { PLATFORM_VAULT };
