// .keyward/local.json: every local endpoint and a ready token per role, written by `npm start`
// and read by `npm run token`, the CLI and anyone scripting against the embedded default.
import fs from "node:fs";
import path from "node:path";

export const LOCAL_DIR = path.resolve(process.env.KEYWARD_LOCAL_DIR ?? ".keyward");
export const LOCAL_FILE = path.join(LOCAL_DIR, "local.json");

export interface LocalFile {
  apiBaseUrl: string;
  /** The tenant of the tokens below (the local tenant); `npm run token -- --tid` mints for any other. */
  tenantId: string;
  tokens: Record<"Keys.Admin" | "Platform.Admin" | "Environment.User", string>;
  principals: Record<"Keys.Admin" | "Platform.Admin" | "Environment.User", string>;
  storageConnectionString: string;
  issuer: string;
  tokenEndpoint: string;
  audience: string;
  vault: { urlTemplate: string; managementUrl: string; caCertPath: string };
  platformKeyId: string;
  /** The durable and Event Grid webhooks' system keys (new each start). Operator secrets: they bypass keyward's roles. */
  systemKeys: { durabletask: string; eventgrid: string };
  startedAt: string;
}

export function writeLocalFile(content: LocalFile): void {
  fs.mkdirSync(LOCAL_DIR, { recursive: true });
  fs.writeFileSync(LOCAL_FILE, JSON.stringify(content, null, 2), { mode: 0o600 });
}

export function readLocalFile(): LocalFile {
  if (!fs.existsSync(LOCAL_FILE)) throw new Error(`${LOCAL_FILE} does not exist: start keyward first with 'npm start'.`);
  return JSON.parse(fs.readFileSync(LOCAL_FILE, "utf8")) as LocalFile;
}
