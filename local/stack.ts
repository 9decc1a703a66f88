// The embedded default, assembled: Azurite, the local token issuer, the local Key Vault with
// the platform's vault and key, the app settings that point keyward at them, and the runtime
// serving the app. `npm start` and the integration tests both start keyward through here.
// The functions-core stand-in must be in place before @azure/functions is first loaded.
import "./functionsCore";
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { startAzurite, AZURITE_ACCOUNT, type RunningAzurite } from "./azurite";
import { ensureTlsMaterial } from "./keyvault/certificates";
import { readStorageConnection } from "../shared/storage/connection";
import { storageRefFor } from "../shared/storage/account";
import { readSettings } from "../shared/settings";
import { startLocalIssuer, type LocalIssuer, LOCAL_TENANT_ID, TOKEN_EXCHANGE_AUDIENCE } from "./issuer";
import { startLocalVault, localVaultManagementClient, type LocalVault, type LocalVaultBehaviourPatch } from "./keyvault";
import { createTokenVerifier } from "../shared/auth/tokenVerifier";
import { createPlatformKeys, PLATFORM_VAULT } from "./platformKey";
import { localKeyVaultSettings, localVaultBehaviourFromSettings, mergeBehaviourPatches } from "./keyVaultSettings";
import { startRuntime, type RunningRuntime } from "./runtime";
import { localConsoleIdentities } from "./localPrincipals";

export const APP_AUDIENCE = "api://keyward";
export const VAULT_AUDIENCE = "https://vault.azure.net";
/** The client id of keyward's local multi-tenant app (cross-tenant vaults). Fixed, so consents read the same across restarts. */
export const LOCAL_CROSS_TENANT_CLIENT_ID = "c7055e11-0000-4000-8000-00000000a991";

export interface StackOptions {
  /** Folder for everything kept between runs (Azurite data, issuer key, vault state). */
  dataDir: string;
  /** Use this storage instead of starting Azurite (tests share one Azurite). */
  storageConnectionString?: string;
  /**
   * Start an Azurite of its own over HTTPS in OAuth mode (the local CA's certificate) and reach it
   * by identity only, as on Azure with shared-key access disabled: AzureWebJobsStorage__* for the
   * host and task hub, KEYWARD_DATA_STORAGE__* for a second account (state and data), tokens from
   * the local issuer as the platform principal, no account key in any setting.
   */
  storageByIdentity?: boolean;
  /** Port of the API; 0 for any free port. */
  port?: number;
  /** Prefix for keyward's state tables and the durable task hub, so runs sharing storage stay apart. */
  namespace?: string;
  /** Extra app settings (e.g. KEYWARD_DEK_CACHE_TTL_SECONDS) applied before the app starts. */
  settings?: Record<string, string>;
  /**
   * How harsh the local vault is (local/keyvault/behaviour.ts) unless a setting says otherwise:
   * KEYWARD_LOCAL_ROLE_PROPAGATION_SECONDS, KEYWARD_LOCAL_VAULT_THROTTLING and
   * KEYWARD_LOCAL_VAULT_RETRY_AFTER (in `settings` or the environment) win over it. Default: the
   * library's (no propagation delay, no throttling).
   */
  vaultBehaviour?: LocalVaultBehaviourPatch;
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
  /** A token of the local issuer; `tenantId` defaults to the local tenant. */
  token(oid: string, roles: string[], audience?: string, tenantId?: string): Promise<string>;
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
  if (options.storageByIdentity && options.storageConnectionString) throw new Error("storageByIdentity starts its own Azurite: give no storageConnectionString");
  if (options.storageByIdentity) {
    azurite = await startAzurite({
      location: path.join(options.dataDir, "azurite"), accounts: [AZURITE_ACCOUNT, DATA_ACCOUNT],
      oauth: ensureTlsMaterial(path.join(options.dataDir, "vault")),
    });
  }
  const storageConnectionString = options.storageConnectionString ?? (azurite ??= await startAzurite({ location: path.join(options.dataDir, "azurite") })).connectionString;
  // The issuer and the vault keep their ports across restarts: tokens name the issuer's URL, and
  // every stored key id names the vault's.
  // Entra's authority (HTTPS, the local CA's certificate) serves the cross-tenant token exchange.
  const issuer = await startLocalIssuer({
    dataDir: options.dataDir, port: rememberedPort(options.dataDir, "issuer"),
    tls: ensureTlsMaterial(path.join(options.dataDir, "vault")), authorityPort: rememberedPort(options.dataDir, "authority"),
  });
  rememberPort(options.dataDir, "issuer", issuer.port);
  rememberPort(options.dataDir, "authority", Number(new URL(issuer.authorityHost!).port));
  // Every tenant's tokens verify; each vault then takes only its own tenant's (AKV10032 otherwise).
  const verifyVaultToken = createTokenVerifier({ issuer: issuer.issuerTemplate, audience: VAULT_AUDIENCE, jwksUri: issuer.jwksUri });
  const behaviour = mergeBehaviourPatches(options.vaultBehaviour ?? {}, localVaultBehaviourFromSettings({ ...process.env, ...options.settings }));
  // The platform's own grants are set up as if long ago: the propagation delay starts after them.
  const { rolePropagationSeconds, ...fromTheStart } = behaviour;
  const vault = await startLocalVault({
    dataDir: path.join(options.dataDir, "vault"), port: rememberedPort(options.dataDir, "vault"), verifyToken: verifyVaultToken, tenantId: LOCAL_TENANT_ID, log,
    behaviour: fromTheStart,
  });
  rememberPort(options.dataDir, "vault", vault.port);

  const platformPrincipalId = readOrCreateId(path.join(options.dataDir, "platform-principal.txt"));
  // keyward's multi-tenant app for vaults in other tenants, trusting the platform identity (a
  // federated identity credential), as infra/README.md has the operator register it in Entra.
  issuer.directory.registerApplication({
    clientId: LOCAL_CROSS_TENANT_CLIENT_ID,
    federatedCredentials: [{ issuer: issuer.issuer, subject: platformPrincipalId, audience: TOKEN_EXCHANGE_AUDIENCE }],
  });
  const { platformKeyId, byokKeyId } = await createPlatformKeys({ vault, issuer, platformPrincipalId });
  if (rolePropagationSeconds) await localVaultManagementClient(vault).setBehaviour({ rolePropagationSeconds });

  const appSettings: Record<string, string> = {
    ...(options.storageByIdentity && azurite ? identityStorageSettings(azurite, platformPrincipalId) : { AzureWebJobsStorage: storageConnectionString }),
    KEYWARD_STATE_PREFIX: namespace,
    KEYWARD_AUTH_ISSUER: issuer.issuerTemplate,
    KEYWARD_AUTH_JWKS_URI: issuer.jwksUri,
    KEYWARD_AUTH_AUDIENCE: APP_AUDIENCE,
    ...localKeyVaultSettings(issuer, vault),
    KEYWARD_PLATFORM_KEY_ID: platformKeyId,
    KEYWARD_PLATFORM_PRINCIPAL_ID: platformPrincipalId,
    KEYWARD_PLATFORM_CLIENT_ID: platformPrincipalId,
    KEYWARD_BYOK_KEY_ID: byokKeyId,
    KEYWARD_AUTHORITY_HOST: issuer.authorityHost!,
    KEYWARD_CROSS_TENANT_CLIENT_ID: LOCAL_CROSS_TENANT_CLIENT_ID,
    // The console's sign-in page lists these and takes their tokens from the local issuer.
    KEYWARD_CONSOLE_AUTH_MODE: "local",
    KEYWARD_CONSOLE_LOCAL_IDENTITIES: JSON.stringify(localConsoleIdentities()),
    ...options.settings,
  };
  // Reached by identity only: no connection string (with its account key) may linger from an earlier start.
  if (options.storageByIdentity) delete process.env.AzureWebJobsStorage;
  Object.assign(process.env, appSettings);

  // The app registers its functions on import; the runtime must see the registrations.
  await (options.loadApp ?? (async () => require("../app")))();
  const runtime = await startRuntime({
    // host.json's hubName is "%KEYWARD_TASK_HUB%"; without that setting the hub follows the namespace.
    // The task hub's account is AzureWebJobsStorage, resolved as the Functions host resolves a connection.
    storageConnectionString: storageRefFor(readStorageConnection(appSettings, "AzureWebJobsStorage"), readSettings(appSettings)), defaultTaskHub: `${namespace}Hub`, port: options.port ?? 0, timers: options.timers ?? true, log,
  });
  // The vault's events go to the app's Event Grid functions, as an Event Grid subscription would.
  await registerEventSubscriptions(vault, runtime.baseUrl, runtime.systemKeys.eventgrid);

  return {
    apiBaseUrl: runtime.apiBaseUrl, baseUrl: runtime.baseUrl, port: runtime.port, storageConnectionString, issuer, vault,
    platformKeyId, appSettings, runtime,
    token: (oid, roles, audience = APP_AUDIENCE, tenantId) => issuer.sign({ oid, roles, audience, tid: tenantId }),
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

async function registerEventSubscriptions(vault: LocalVault, baseUrl: string, eventGridKey: string): Promise<void> {
  const management = localVaultManagementClient(vault);
  for (const [name, fn] of Object.entries(EVENT_FUNCTIONS)) {
    await management.putEventSubscription(name, {
      // As an Azure subscription's endpoint carries the eventgrid_extension key.
      endpoint: `${baseUrl}/runtime/webhooks/eventgrid?functionName=${fn}&code=${encodeURIComponent(eventGridKey)}`, enabled: true,
      eventTypes: name === "resources" ? ["Microsoft.Resources.ResourceDeleteSuccess", "Microsoft.Resources.ResourceWriteSuccess"] : undefined,
    });
  }
}

/** The second Azurite account, for the environments' data and keyward's state (the template's data account). */
export const DATA_ACCOUNT = "keywarddata";

/** Identity-based connections to Azurite's two accounts, as infra/main.bicep sets them on Azure. */
function identityStorageSettings(azurite: RunningAzurite, principalId: string): Record<string, string> {
  const data = (uri: string) => uri.replace(new RegExp(`/${AZURITE_ACCOUNT}$`), `/${DATA_ACCOUNT}`);
  return {
    AzureWebJobsStorage__blobServiceUri: azurite.blobServiceUri,
    AzureWebJobsStorage__tableServiceUri: azurite.tableServiceUri,
    AzureWebJobsStorage__credential: "managedidentity",
    AzureWebJobsStorage__clientId: principalId,
    KEYWARD_DATA_STORAGE__blobServiceUri: data(azurite.blobServiceUri),
    KEYWARD_DATA_STORAGE__tableServiceUri: data(azurite.tableServiceUri),
    KEYWARD_DATA_STORAGE__credential: "managedidentity",
    KEYWARD_DATA_STORAGE__clientId: principalId,
  };
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
