// keyward in a child process, as `npm start` runs it (the compiled CLI: `npm test` builds first),
// on the test run's Azurite under its own namespace and data folder, so a test can SIGKILL it and
// start it again on the same storage, vault state (the vault keeps its port) and issuer key.
// Talks to it only as an outside client would: the HTTP API with the tokens from local.json, the
// local vault's management API, and a KeyClient for the customer's key officer.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { KeyClient } from "@azure/keyvault-keys";
import type { TokenCredential } from "@azure/core-auth";
import { freePort } from "../../local/ports";
import { localVaultAgent, localVaultManagementClient, type LocalVaultManagementClient } from "../../local/keyvault";
import type { LocalFile } from "../../local/cli/localFile";
import { testStorage, uniquePrefix } from "./storage";
import type { ApiResult } from "./keyward";
import type { StorageLocation } from "./environments";

const root = path.resolve(__dirname, "../..");
const CLI = path.join(root, "dist/local/cli/start.js");
const OFFICER = "dddddddd-0000-4000-8000-000000000004";

export class ChildKeyward {
  private child: ChildProcess | undefined;
  private local!: LocalFile;
  readonly output: string[] = [];
  readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-child-"));
  readonly storage: StorageLocation;

  private constructor(private readonly port: number, private readonly settings: Record<string, string>, readonly namespace: string) {
    this.storage = { connectionString: testStorage(), statePrefix: namespace };
  }

  /**
   * Starts the child; resolves once it answers GET /api/health. `options.namespace`: share the
   * state of another keyward on the same storage (another instance of the same app).
   */
  static async start(settings: Record<string, string> = {}, options: { namespace?: string } = {}): Promise<ChildKeyward> {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run the build first (npm test does)`);
    const kw = new ChildKeyward(await freePort(), settings, options.namespace ?? uniquePrefix("kwc"));
    await kw.restart();
    return kw;
  }

  /** Starts the process again on the same data folder, storage and namespace. */
  async restart(): Promise<void> {
    if (this.running) throw new Error("the child is still running");
    const localFile = path.join(this.dataDir, "local.json");
    fs.rmSync(localFile, { force: true });
    const child = spawn(process.execPath, [CLI, "--port", String(this.port)], {
      cwd: this.dataDir,
      env: {
        ...process.env, ...this.settings,
        KEYWARD_LOCAL_DIR: this.dataDir, KEYWARD_LOCAL_STORAGE: this.storage.connectionString, KEYWARD_LOCAL_NAMESPACE: this.namespace,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stdout?.on("data", (d: Buffer) => this.output.push(d.toString()));
    child.stderr?.on("data", (d: Buffer) => this.output.push(d.toString()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`keyward child exited (${child.exitCode}): ${this.output.join("").slice(-2000)}`);
      const ok = fs.existsSync(localFile) && (await fetch(`http://127.0.0.1:${this.port}/api/health`).then((r) => r.status === 200, () => false));
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`keyward child did not come up: ${this.output.join("").slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    this.local = JSON.parse(fs.readFileSync(localFile, "utf8")) as LocalFile;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** kill -9: no shutdown code runs. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  /** Graceful stop, then removes the data folder. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && this.running) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (this.running) await this.kill();
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** The object id of a local.json role's principal. */
  principal(role: keyof LocalFile["principals"]): string {
    return this.local.principals[role];
  }

  async call<T = any>(method: string, route: string, options: { role: keyof LocalFile["tokens"]; body?: unknown; raw?: Buffer }): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.local.tokens[options.role]}` };
    let body: string | Buffer | undefined;
    if (options.raw) { body = options.raw; headers["content-type"] = "application/octet-stream"; }
    else if (options.body !== undefined) { body = JSON.stringify(options.body); headers["content-type"] = "application/json"; }
    const res = await fetch(`${this.local.apiBaseUrl}/${route}`, { method, headers, body });
    const text = res.headers.get("content-type")?.includes("json") ? await res.text() : undefined;
    const parsed = text !== undefined ? (text ? JSON.parse(text) : undefined) : Buffer.from(await res.arrayBuffer());
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  keysAdmin = (method: string, route: string, body?: unknown) => this.call(method, route, { role: "Keys.Admin", body });
  platformAdmin = (method: string, route: string, body?: unknown) => this.call(method, route, { role: "Platform.Admin", body });
  user = (method: string, route: string, body?: unknown) => this.call(method, route, { role: "Environment.User", body });

  get management(): LocalVaultManagementClient {
    return localVaultManagementClient({ managementUrl: this.local.vault.managementUrl, caCertPem: fs.readFileSync(this.local.vault.caCertPath, "utf8") });
  }

  private vaultUrl(name: string): string {
    return this.local.vault.urlTemplate.replace("{vault}", name);
  }

  keyClient(vaultName: string): KeyClient {
    const credential: TokenCredential = {
      getToken: async () => {
        const res = await fetch(this.local.tokenEndpoint, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ oid: OFFICER, roles: [], audience: "https://vault.azure.net", lifetimeSeconds: 3600 }) });
        return { token: ((await res.json()) as { access_token: string }).access_token, expiresOnTimestamp: Date.now() + 3_000_000 };
      },
    };
    return new KeyClient(this.vaultUrl(vaultName), credential, {
      agent: localVaultAgent({ caCertPem: fs.readFileSync(this.local.vault.caCertPath, "utf8") }),
    } as ConstructorParameters<typeof KeyClient>[2]);
  }

  /** The key vault admin's setup (as Keyward.customerPolicy does): vault, RSA key, policy, grants, licence. */
  async customerPolicy(): Promise<{ policy: string; vaultName: string }> {
    const policy = uniquePrefix("policy");
    const vaultName = `cv${uniquePrefix("").slice(0, 12)}`;
    const vault = await this.management.putVault(vaultName, { softDelete: true, purgeProtection: true, retentionDays: 90 });
    await this.management.putRoleAssignment(`officer-${vaultName}`, { principalId: OFFICER, roleDefinitionName: "Key Vault Crypto Officer", scope: vault.id });
    await this.keyClient(vaultName).createRsaKey("cmk", { keySize: 2048, keyOps: ["wrapKey", "unwrapKey"] });
    const created = await this.keysAdmin("PUT", `enterprisePolicies/${policy}`, {
      location: "europe", kind: "Encryption", identity: { type: "SystemAssigned" },
      properties: { encryption: { state: "Enabled", keyVault: { id: vault.id, key: { name: "cmk" } } } },
    });
    if (created.status !== 201) throw new Error(`policy create failed: ${created.status} ${JSON.stringify(created.body)}`);
    await this.management.putRoleAssignment(`policy-${policy}`, { principalId: created.body.identity.principalId, roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: vault.id });
    const reader = await this.keysAdmin("PUT", `enterprisePolicies/${policy}/readers/${this.local.principals["Platform.Admin"]}`);
    if (reader.status !== 200) throw new Error(`reader grant failed: ${reader.status}`);
    await this.platformAdmin("PUT", "tenant/licenses", { subscriptions: ["Microsoft 365 E5"] });
    return { policy, vaultName };
  }
}
