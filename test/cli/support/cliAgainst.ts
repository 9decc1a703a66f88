// Runs `keyward` in-process (main(), as the bin does) against an in-process embedded keyward,
// through a .keyward/local.json written for it the way `npm start` writes one: the API, a token
// per role, the principals, the issuer's token endpoint and the local vault's endpoints. A test
// can write a doctored copy (a remote API, an Azure vault template) to see the CLI refuse it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LOCAL_TENANT_ID } from "../../../local/issuer";
import type { LocalFile } from "../../../local/cli/localFile";
import { main, type CliIo } from "../../../cli/main";
import { APP_AUDIENCE } from "../../../local/stack";
import { KEYS_ADMIN, PLATFORM_ADMIN, DATA_USER, type Keyward } from "../../support/keyward";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export async function localFileFor(kw: Keyward): Promise<LocalFile> {
  const s = kw.stack;
  return {
    apiBaseUrl: s.apiBaseUrl,
    tenantId: LOCAL_TENANT_ID,
    tokens: {
      "Keys.Admin": await kw.token(KEYS_ADMIN, ["Keys.Admin"]),
      "Platform.Admin": await kw.token(PLATFORM_ADMIN, ["Platform.Admin"]),
      "Environment.User": await kw.token(DATA_USER, ["Environment.User"]),
    },
    principals: { "Keys.Admin": KEYS_ADMIN, "Platform.Admin": PLATFORM_ADMIN, "Environment.User": DATA_USER },
    storageConnectionString: s.storageConnectionString,
    issuer: s.issuer.issuer, tokenEndpoint: s.issuer.tokenEndpoint, audience: APP_AUDIENCE,
    vault: { urlTemplate: s.vault.urlTemplate, managementUrl: s.vault.managementUrl, caCertPath: s.vault.caCertPath },
    platformKeyId: s.platformKeyId, systemKeys: s.runtime.systemKeys, startedAt: new Date().toISOString(),
  };
}

/** A local.json in a fresh folder; returns its path. */
export function writeLocalFile(content: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-cli-local-"));
  const file = path.join(dir, "local.json");
  fs.writeFileSync(file, JSON.stringify(content));
  return file;
}

export async function cli(argv: string[], options: { localFile: string; env?: Record<string, string>; tty?: boolean }): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (t) => out.push(`${t}\n`),
    stderr: { write: (t) => err.push(t), isTTY: options.tty ?? false, columns: 160 },
    env: options.env ?? {},
    pollMs: 50,
    localFilePath: options.localFile,
  };
  const code = await main(argv, io);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

/** Parses a command's JSON output, failing with what it printed when it is not JSON. */
export function json<T = any>(run: Run): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  }
}
