// Starts Azurite (the `azurite` npm package) for Tables and Blobs as a child process on free
// loopback ports. `npm start` keeps its data under .keyward/azurite; tests run it in memory.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
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
}

export interface RunningAzurite {
  connectionString: string;
  blobPort: number;
  tablePort: number;
  stop(): Promise<void>;
}

export function azuriteConnectionString(blobPort: number, tablePort: number): string {
  return [
    "DefaultEndpointsProtocol=http",
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_KEY}`,
    `BlobEndpoint=http://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT}`,
    `TableEndpoint=http://127.0.0.1:${tablePort}/${AZURITE_ACCOUNT}`,
  ].join(";") + ";";
}

function azuriteEntry(name: "azurite-blob" | "azurite-table"): string {
  const pkg = path.dirname(require.resolve("azurite/package.json"));
  const file = name === "azurite-blob" ? "dist/src/blob/main.js" : "dist/src/table/main.js";
  return path.join(pkg, file);
}

function launch(entry: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [entry, ...args], { stdio: ["ignore", "ignore", "pipe"] });
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
  const blob = launch(azuriteEntry("azurite-blob"), [...common, ...storage, "--blobHost", "127.0.0.1", "--blobPort", String(blobPort)]);
  const table = launch(azuriteEntry("azurite-table"), [...common, ...storage, "--tableHost", "127.0.0.1", "--tablePort", String(tablePort)]);
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
  return { connectionString: azuriteConnectionString(blobPort, tablePort), blobPort, tablePort, stop: stopAll };
}
