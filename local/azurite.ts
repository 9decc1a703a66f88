// Starts Azurite (the `azurite` npm package) for Tables and Blobs as a child process on free
// loopback ports. `npm start` keeps its data under .keyward/azurite; tests run it in memory.
// The Tables process is started with the partition index (azuriteTableIndex.ts) preloaded, so a
// one-partition page and a replace cost what they cost on Azure, not the whole table's size.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, waitForPort } from "./ports";

/** The well-known development account every Azurite instance serves. Not a secret. */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteOptions {
  /** Folder for Azurite's data; omit to keep everything in memory. */
  location?: string;
  blobPort?: number;
  tablePort?: number;
  /**
   * HTTPS with this certificate and `--oauth basic`: Azurite then accepts a bearer token whose
   * issuer, audience and lifetime are Entra's shape (it checks no signature) besides the account
   * key, as an account reached by identity does. The certificate must cover 127.0.0.1.
   */
  oauth?: { certChainPem: string; keyPem: string };
  /** Accounts to serve (all with the well-known key); default the development account only. */
  accounts?: string[];
  /**
   * Serve a one-partition query from the partition's index, as Azure does (azuriteTableIndex.ts).
   * Default true; false runs Azurite's own whole-table scan (the differential test compares the two).
   */
  partitionIndex?: boolean;
}

export interface RunningAzurite {
  /** With the account key (over https in OAuth mode). */
  connectionString: string;
  /** The service URLs (path-style: the account is the first segment), for identity-based settings. */
  blobServiceUri: string;
  tableServiceUri: string;
  blobPort: number;
  tablePort: number;
  stop(): Promise<void>;
}

export function azuriteConnectionString(blobPort: number, tablePort: number, protocol: "http" | "https" = "http"): string {
  return [
    `DefaultEndpointsProtocol=${protocol}`,
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_KEY}`,
    `BlobEndpoint=${protocol}://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT}`,
    `TableEndpoint=${protocol}://127.0.0.1:${tablePort}/${AZURITE_ACCOUNT}`,
  ].join(";") + ";";
}

function azuriteEntry(name: "azurite-blob" | "azurite-table"): string {
  const pkg = path.dirname(require.resolve("azurite/package.json"));
  const file = name === "azurite-blob" ? "dist/src/blob/main.js" : "dist/src/table/main.js";
  return path.join(pkg, file);
}

/**
 * The compiled preload. Under dist/ (npm start, the bench) it sits beside this module; the tests
 * run this module from source, and `npm test` builds dist/ first. Missing, Azurite is not started
 * unpatched (its scale figures would be the emulator's, not keyward's): it is an error.
 */
function partitionIndexPreload(): string {
  const candidates = [path.join(__dirname, "azuriteTableIndexPreload.js"), path.join(__dirname, "..", "dist", "local", "azuriteTableIndexPreload.js")];
  const found = candidates.find((file) => fs.existsSync(file));
  if (!found) throw new Error(`azurite: the partition index preload is not built (looked for ${candidates.join(", ")}); run npm run build`);
  return found;
}

function launch(entry: string, args: string[], env: NodeJS.ProcessEnv = process.env, preload?: string): ChildProcess {
  const child = spawn(process.execPath, [...(preload ? ["--require", preload] : []), entry, ...args], { stdio: ["ignore", "ignore", "pipe"], env });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  child.on("exit", (code) => {
    if (code && code !== 0) process.stderr.write(`azurite (${path.basename(entry)}) exited ${code}: ${stderr}\n`);
  });
  return child;
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const blobPort = options.blobPort ?? (await freePort());
  const tablePort = options.tablePort ?? (await freePort());
  const common = ["--silent", "--skipApiVersionCheck", "--loose", "--disableProductStyleUrl", "--disableTelemetry"];
  const storage = options.location
    ? (fs.mkdirSync(options.location, { recursive: true }), ["--location", options.location])
    : ["--inMemoryPersistence"];
  const tls = options.oauth ? oauthArguments(options.oauth, options.location) : [];
  const env = options.accounts ? { ...process.env, AZURITE_ACCOUNTS: options.accounts.map((a) => `${a}:${AZURITE_KEY}`).join(";") } : process.env;
  const blob = launch(azuriteEntry("azurite-blob"), [...common, ...storage, ...tls, "--blobHost", "127.0.0.1", "--blobPort", String(blobPort)], env);
  const preload = options.partitionIndex === false ? undefined : partitionIndexPreload();
  const table = launch(azuriteEntry("azurite-table"), [...common, ...storage, ...tls, "--tableHost", "127.0.0.1", "--tablePort", String(tablePort)], env, preload);
  const stopAll = async () => {
    for (const child of [blob, table]) {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        // Azurite saves its metadata (LokiJS, otherwise autosaved every 5 s) only on SIGINT.
        child.kill("SIGINT");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    }
  };
  try {
    await Promise.all([waitForPort(blobPort, 30_000), waitForPort(tablePort, 30_000)]);
  } catch (err) {
    await stopAll();
    throw err;
  }
  const protocol = options.oauth ? "https" : "http";
  return {
    connectionString: azuriteConnectionString(blobPort, tablePort, protocol), blobPort, tablePort,
    blobServiceUri: `${protocol}://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT}`,
    tableServiceUri: `${protocol}://127.0.0.1:${tablePort}/${AZURITE_ACCOUNT}`,
    stop: stopAll,
  };
}

/** Azurite reads its certificate and key from files: written next to its data (or a temporary folder). */
function oauthArguments(oauth: NonNullable<AzuriteOptions["oauth"]>, location: string | undefined): string[] {
  const dir = location ?? fs.mkdtempSync(path.join(os.tmpdir(), "azurite-tls-"));
  fs.mkdirSync(dir, { recursive: true });
  const cert = path.join(dir, "azurite-cert.pem");
  const key = path.join(dir, "azurite-key.pem");
  fs.writeFileSync(cert, oauth.certChainPem);
  fs.writeFileSync(key, oauth.keyPem, { mode: 0o600 });
  return ["--cert", cert, "--key", key, "--oauth", "basic"];
}
