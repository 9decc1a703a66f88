// The keyward CLI against the embedded runtime: a full add -> Encrypted -> rotate -> remove cycle
// driven by `keyward add|rotate|remove --wait` (main() in-process, KEYWARD_API and
// KEYWARD_TOKEN set), backups, restore and reset, the live progress line on a terminal, --json,
// the API's errors, usage
// errors, per-command help, tokens per role from .keyward/local.json, and the compiled bin.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Keyward, KEYS_ADMIN, PLATFORM_ADMIN } from "../support/keyward";
import { seedNumbered } from "../support/environments";
import { main, type CliIo } from "../../cli/main";

let kw: Keyward;
let platformToken: string;

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_REENCRYPT_PAGE_SIZE: "25", KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" });
  platformToken = await kw.token(PLATFORM_ADMIN, ["Platform.Admin"]);
});
afterAll(async () => kw?.stop());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], options: { token?: string; tty?: boolean; env?: Record<string, string> } = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (t) => out.push(`${t}\n`),
    stderr: { write: (t) => err.push(t), isTTY: options.tty ?? false, columns: 160 },
    env: options.env ?? { KEYWARD_API: kw.stack.apiBaseUrl, KEYWARD_TOKEN: options.token ?? platformToken },
    pollMs: 50,
  };
  const code = await main(argv, io);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

/** Records t{i % 2}/r{i} = {n}, through the HTTP API. */
async function seed(env: string, records: number) {
  await seedNumbered(kw, env, records, 0, { tables: 2, value: (n) => ({ n }), recordsVia: "api" });
}

describe("keyward CLI", () => {
  it("adds an environment to a policy and removes it again, following each operation to its end", async () => {
    const { policy, keyName, vaultName } = await kw.customerPolicy();
    const env = await kw.environment();
    await seed(env, 150);

    const add = await cli(["add", policy, env, "--wait", "--json"]);
    expect(add.code, add.stderr).toBe(0);
    const added = JSON.parse(add.stdout);
    expect(added.operations).toHaveLength(1);
    expect(added.operations[0]).toMatchObject({ environmentId: env, status: "Succeeded", progress: { done: 150, total: 150, unit: "items" } });
    // Not a TTY: the progress is plain lines, one per status or step change.
    expect(add.stderr).not.toContain("\r");
    expect(add.stderr).toMatch(new RegExp(`${env}  Succeeded`));

    const shown = await cli(["environments", "show", env, "--json"]);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout).encryption).toMatchObject({ keyType: "CustomerManaged", status: "Encrypted", policy });
    expect(JSON.parse(shown.stdout).encryption.keyId).toContain(`/keys/${keyName}/`);

    // A new key version, and `rotate --wait` follows the policy's rotation to its end.
    const version = await kw.keyClient(vaultName).createRsaKey(keyName, { keySize: 2048, keyOps: ["wrapKey", "unwrapKey"] });
    const rotate = await cli(["rotate", policy, "--wait", "--json"], { token: await kw.token(KEYS_ADMIN, ["Keys.Admin"]) });
    expect(rotate.code, rotate.stderr).toBe(0);
    const rotated = JSON.parse(rotate.stdout);
    expect(rotated.keyId).toBe(version.id);
    expect(rotated.operations[0]).toMatchObject({ kind: "RotateKeyVersion", status: "Succeeded", policy });
    expect((await kw.platformAdmin("GET", `environments/${env}`)).body.encryption.keyId).toBe(version.id);

    // On a terminal: one live line redrawn in place, with status, bar, done/total and the end state.
    const remove = await cli(["remove", policy, env, "--wait"], { tty: true });
    expect(remove.code, remove.stderr).toBe(0);
    expect(remove.stderr).toContain("\r");
    expect(remove.stderr).toMatch(/\[#+-*\]\s+150\/150 items\s+100%/);
    expect(remove.stderr).toMatch(/Reverting|RevertingOnline|Succeeded/);
    expect(remove.stdout).toContain(`${env}: Update Customer Managed Key Succeeded`);
    const after = await kw.platformAdmin("GET", `environments/${env}`);
    expect(after.body.encryption).toMatchObject({ keyType: "PlatformManaged", status: "PlatformManaged" });

    const history = await cli(["environments", "history", env]);
    expect(history.code).toBe(0);
    expect(history.stdout.split("\n")[0]).toMatch(/^STARTED\s+OPERATION\s+STATUS/);
    expect(history.stdout.match(/Update Customer Managed Key\s+Succeeded/g)).toHaveLength(3);

    // Without --wait: the operation id, at once.
    const again = await cli(["add", policy, env]);
    expect(again.code).toBe(0);
    const operationId = /Started operation ([0-9a-f-]+) on /.exec(again.stdout)?.[1];
    expect(operationId).toBeDefined();
    const waited = await cli(["wait", operationId!, "--quiet"]);
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stderr).toBe("");
  }, 120_000);

  it("backs up, lists, restores and resets an environment, each operation followed to its end", async () => {
    const env = await kw.environment();
    await seed(env, 30);
    const backup = await cli(["backups", "create", env, "--wait", "--json"]);
    expect(backup.code, backup.stderr).toBe(0);
    const { backupId, operations } = JSON.parse(backup.stdout);
    expect(operations[0]).toMatchObject({ environmentId: env, status: "Succeeded" });
    const listed = await cli(["backups", "list", env]);
    expect(listed.stdout).toMatch(new RegExp(`^${backupId}\\s`, "m"));
    await kw.user("DELETE", `environments/${env}/records/t0/r0`);
    const restore = await cli(["restore", env, "--source", env, "--backup", backupId, "--wait"]);
    expect(restore.code, restore.stderr).toBe(0);
    expect((await kw.user("GET", `environments/${env}/records/t0/r0`)).body.value).toEqual({ n: 0 });
    const reset = await cli(["reset", env, "--yes", "--wait"]);
    expect(reset.code, reset.stderr).toBe(0);
    expect((await kw.user("GET", `environments/${env}/records/t0/r0`)).status).toBe(404);
  }, 90_000);

  it("prints the API's error code and message and exits 1", async () => {
    const env = await kw.environment();
    const res = await cli(["add", "no-such-policy", env, "--wait"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe("error: PolicyNotFound: There is no enterprise policy 'no-such-policy'. (target: name)\n");
    const unauthorized = await cli(["environments", "list"], { token: "not-a-token" });
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stderr).toMatch(/^error: \w+: /);
    const unreachable = await cli(["environments", "list"], { env: { KEYWARD_API: "http://127.0.0.1:9/api", KEYWARD_TOKEN: "x" } });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^error: ConnectionFailed: Cannot reach http:\/\/127\.0\.0\.1:9\/api/);
  });

  it("refuses bad usage with exit 2 and explains each command with --help", async () => {
    expect((await cli(["add"])).code).toBe(2);
    expect((await cli(["add"])).stderr).toContain("usage: keyward add <policy> <environmentId...>");
    expect((await cli(["frobnicate"])).stderr).toContain("unknown command 'frobnicate'");
    expect((await cli(["policies", "burn", "x"])).stderr).toMatch(/policies has: create, list, show, delete, grant-reader/);
    expect((await cli(["environments", "list", "--wait"])).code).toBe(2);
    expect((await cli(["reset", "env-x"])).stderr).toContain("pass --yes to confirm");
    const help = await cli(["remove", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: keyward remove <policy> <environmentId> [--no-downtime] [--wait]");
    expect(help.stdout).toContain("Uses a Platform.Admin token.");
    const all = await cli(["--help"]);
    for (const words of ["policies create", "policies key-usage", "environments enable-managed", "change-policy", "rotate", "unlock", "backups create", "backups list", "restore", "copy", "reset"]) {
      expect(all.stdout).toContain(`  ${words}`);
    }
  });

  it("picks each command's role token from .keyward/local.json", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-cli-"));
    try {
      fs.mkdirSync(path.join(dir, ".keyward"));
      fs.writeFileSync(path.join(dir, ".keyward", "local.json"), JSON.stringify({
        apiBaseUrl: kw.stack.apiBaseUrl,
        tokens: { "Keys.Admin": await kw.token(KEYS_ADMIN, ["Keys.Admin"]), "Platform.Admin": platformToken, "Environment.User": "unused" },
      }));
      // The local file's path is fixed when the module loads (the current directory's .keyward/), as for the real command.
      const run = (argv: string[]) => new Promise<Run>((resolve) => {
        execFile(process.execPath, [path.resolve("dist/cli/keyward.js"), ...argv], { cwd: dir, env: { PATH: process.env.PATH ?? "" } },
          (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
      });
      // Platform.Admin creates the environment; Keys.Admin grants Reader. Separation of duty makes either token fail the other's call.
      const created = await run(["environments", "create", "env-from-local-file", "--region", "europe", "--managed", "--json"]);
      expect(created.code, created.stderr).toBe(0);
      expect(JSON.parse(created.stdout)).toMatchObject({ id: "env-from-local-file", managed: true, encryption: { keyType: "PlatformManaged" } });
      const { policy } = await kw.customerPolicy();
      const granted = await run(["policies", "grant-reader", policy, "eeeeeeee-0000-4000-8000-000000000005"]);
      expect(granted.code, granted.stderr).toBe(0);
      expect(granted.stdout).toContain(`is a Reader of ${policy}`);
      // create never updates: the same id again is refused, and the environment keeps its Managed flag.
      const twice = await run(["environments", "create", "env-from-local-file", "--region", "europe"]);
      expect(twice.code).toBe(1);
      expect(twice.stderr).toBe("error: AlreadyExists: Environment 'env-from-local-file' already exists; 'create' never changes an existing one.\n");
      expect((await kw.platformAdmin("GET", "environments/env-from-local-file")).body.managed).toBe(true);
      const listed = await run(["environments", "list"]);
      expect(listed.stdout).toMatch(/env-from-local-file\s+Production\s+europe\s+Enabled\s+PlatformManaged\s+PlatformManaged/);
      // The Keys.Admin token for a Platform.Admin call is refused, and the CLI says so.
      const wrongRole = await run(["environments", "create", "env-wrong-role", "--region", "europe", "--as", "Keys.Admin"]);
      expect(wrongRole.code).toBe(1);
      expect(wrongRole.stderr).toMatch(/^error: \w+: /);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
