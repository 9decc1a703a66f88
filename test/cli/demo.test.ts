// `npm run demo` (its entry point, the compiled dist/cli/demo/run.js) against an embedded keyward
// in a child process, as a newcomer runs it beside `npm start`. With --pause it stops after each
// step; there the test reads the step's outcome itself, through keyward's API, the local vault's
// management API and a KeyClient of its own (never the demo's output, which only tells it that a
// step is done), then lets the demo go on. And: the demo stops at the first step that fails, and
// refuses a KEYWARD_API that is not the local keyward.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { KeyClient } from "@azure/keyvault-keys";
import { ChildKeyward } from "../support/childKeyward";
import { localVaultAgent } from "../../local/keyvault";
import type { LocalFile } from "../../local/cli/localFile";

const root = path.resolve(__dirname, "../..");
const DEMO = path.join(root, "dist/cli/demo/run.js");
const ENCRYPTION_USER = "Key Vault Crypto Service Encryption User";

let kw: ChildKeyward;
let local: LocalFile;

beforeAll(async () => {
  kw = await ChildKeyward.start();
  local = JSON.parse(fs.readFileSync(path.join(kw.dataDir, "local.json"), "utf8")) as LocalFile;
}, 120_000);
afterAll(async () => kw?.stop());

interface DemoRun {
  child: ChildProcess;
  output: () => string;
  /** Resolves when the demo says step `n` is done (paused), or rejects with its output when it exits first. */
  stepDone(n: number): Promise<number>;
  exited: Promise<number>;
}

function startDemo(args: string[], env: Record<string, string | undefined> = {}): DemoRun {
  const childEnv: Record<string, string | undefined> = { ...process.env, KEYWARD_LOCAL_DIR: kw.dataDir, KEYWARD_API: undefined, KEYWARD_TOKEN: undefined, ...env };
  const child = spawn(process.execPath, [DEMO, ...args], { cwd: kw.dataDir, env: childEnv as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
  let text = "";
  child.stdout!.on("data", (d: Buffer) => { text += d.toString(); });
  child.stderr!.on("data", (d: Buffer) => { text += d.toString(); });
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
  let code: number | undefined;
  void exited.then((c) => { code = c; });
  return {
    child, exited, output: () => text,
    async stepDone(n) {
      const marker = new RegExp(`-- step ${n}/(\\d+) done`);
      const deadline = Date.now() + 240_000;
      for (;;) {
        const m = marker.exec(text);
        if (m) return Number(m[1]);
        if (code !== undefined) throw new Error(`the demo exited ${code} before step ${n} was done:\n${text.slice(-3000)}`);
        if (Date.now() > deadline) throw new Error(`step ${n} not done in time:\n${text.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** A KeyClient as the local key vault admin (the demo's vault grants them Crypto Officer). */
function adminKeyClient(vault: string): KeyClient {
  const credential = {
    getToken: async () => {
      const res = await fetch(local.tokenEndpoint, { method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ oid: local.principals["Keys.Admin"], audience: "https://vault.azure.net", lifetimeSeconds: 600 }) });
      return { token: ((await res.json()) as { access_token: string }).access_token, expiresOnTimestamp: Date.now() + 500_000 };
    },
  };
  return new KeyClient(local.vault.urlTemplate.replace("{vault}", vault), credential,
    { agent: localVaultAgent({ caCertPem: fs.readFileSync(local.vault.caCertPath, "utf8") }) } as ConstructorParameters<typeof KeyClient>[2]);
}

const suffix = () => randomBytes(3).toString("hex");

describe("npm run demo", () => {
  it("walks the reference end to end on the running keyward; after each step the API shows that step's outcome", async () => {
    const s = suffix();
    const n = { vault: `contoso-kv-${s}`, key: "contoso-key", key2: "contoso-key-2", policy: `contoso-cmk-${s}`, policy2: `contoso-cmk2-${s}`, env: `contoso-prod-${s}` };
    const pa = local.principals["Platform.Admin"];
    const keys = adminKeyClient(n.vault);
    const sample: { table: string; id: string; value: unknown }[] = [];
    const seen: { vaultId?: string; principal?: string; principal2?: string; keyIdAfterAdd?: string } = {};

    const env = async () => (await kw.platformAdmin("GET", `environments/${n.env}`)).body;
    const policy = async (name: string) => (await kw.keysAdmin("GET", `enterprisePolicies/${name}`)).body;
    const health = async (name: string) => (await kw.keysAdmin("GET", `enterprisePolicies/${name}/health`)).body.status;
    const grants = async (principal: string, key: string) => (await kw.management.roleAssignments())
      .filter((a) => a.principalId === principal && a.roleDefinitionName === ENCRYPTION_USER && a.scope === `${seen.vaultId}/keys/${key}`);
    const record = (r: { table: string; id: string }) => kw.user("GET", `environments/${n.env}/records/${r.table}/${r.id}`);
    const allRecordsReadBack = async () => {
      for (const r of sample) expect((await record(r)).body.value, `${r.table}/${r.id}`).toEqual(r.value);
    };
    const expectRsa3072 = async (key: string) => {
      const k = await keys.getKey(key);
      expect(k.keyType).toBe("RSA");
      expect(k.key!.n!.length * 8).toBe(3072);
      expect(k.keyOperations).toEqual(["wrapKey", "unwrapKey"]);
    };
    const expectOn = async (policyName: string, key: string) => {
      const e = await env();
      expect(e.state).toBe("Enabled");
      expect(e.encryption).toMatchObject({ keyType: "CustomerManaged", status: "Encrypted", policy: policyName });
      expect(e.encryption.keyId).toBe((await keys.getKey(key)).id);
    };

    const checks: Array<() => Promise<void>> = [
      async () => { // 1 the vault
        const v = await kw.management.getVault(n.vault);
        expect(v.properties).toMatchObject({ softDelete: true, purgeProtection: true, retentionDays: 90 });
        seen.vaultId = v.id;
      },
      () => expectRsa3072(n.key), // 2 the key
      async () => { // 3 the policy
        const p = await policy(n.policy);
        expect(p.properties.encryption.keyVault).toEqual({ id: seen.vaultId, key: { name: n.key } });
        expect(p.location).toBe("europe");
        seen.principal = p.identity.principalId;
      },
      async () => { // 4 the policy's identity granted on the key
        expect(await grants(seen.principal!, n.key)).toHaveLength(1);
        expect(await health(n.policy)).toBe("Healthy");
      },
      async () => expect((await policy(n.policy)).properties.readers).toContain(pa), // 5 Reader
      async () => expect((await kw.platformAdmin("GET", "tenant/licenses")).body.entitledToCustomerManagedKey).toBe(true), // 6 licences
      async () => expect(await env()).toMatchObject({ managed: true, region: "europe", type: "Production", encryption: { keyType: "PlatformManaged" } }), // 7
      async () => { // 8 the data user a ReadWrite member (the data API answers no one else)
        const members = (await kw.platformAdmin("GET", `environments/${n.env}/members`)).body.value;
        expect(members).toEqual([expect.objectContaining({ objectId: kw.principal("Environment.User"), access: "ReadWrite" })]);
      },
      async () => { // 9 sample data: the file the demo shows, every record of it in the environment
        const file = path.join(kw.dataDir, "demo", `records-${s}.jsonl`);
        sample.push(...fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l)));
        expect(sample).toHaveLength(40);
        await allRecordsReadBack();
      },
      async () => { // 9 added
        await expectOn(n.policy, n.key);
        seen.keyIdAfterAdd = (await env()).encryption.keyId;
        await allRecordsReadBack();
      },
      async () => { // 10 rotated: a second version, and the environment on it
        const versions = [];
        for await (const v of keys.listPropertiesOfKeyVersions(n.key)) versions.push(v);
        expect(versions).toHaveLength(2);
        await expectOn(n.policy, n.key);
        expect((await env()).encryption.keyId).not.toBe(seen.keyIdAfterAdd);
      },
      async () => { // 11 revoked: locked, data refused
        expect(await grants(seen.principal!, n.key)).toHaveLength(0);
        expect((await env()).state).toBe("Locked");
        const read = await record(sample[0]);
        expect(read.status).toBe(423);
        expect(read.body.error.code).toBe("EnvironmentLocked");
      },
      async () => expect((await env()).state).toBe("Locked"), // 12 still locked while the demo shows it
      async () => { // 13 restored: unlocked, data back
        expect(await grants(seen.principal!, n.key)).toHaveLength(1);
        expect((await env()).state).toBe("Enabled");
        await allRecordsReadBack();
      },
      async () => { // 14 a second key and policy
        await expectRsa3072(n.key2);
        const p = await policy(n.policy2);
        expect(p.properties.encryption.keyVault.key.name).toBe(n.key2);
        seen.principal2 = p.identity.principalId;
      },
      async () => { // 15 the second policy granted
        expect(await grants(seen.principal2!, n.key2)).toHaveLength(1);
        expect(await health(n.policy2)).toBe("Healthy");
        expect((await policy(n.policy2)).properties.readers).toContain(pa);
      },
      async () => { // 16 changed to the second policy
        await expectOn(n.policy2, n.key2);
        await allRecordsReadBack();
      },
      async () => { // 17 removed: back on the platform key
        const e = await env();
        expect(e.encryption).toMatchObject({ keyType: "PlatformManaged", status: "PlatformManaged" });
        expect(e.encryption.keyId.startsWith(`${local.platformKeyId}/`)).toBe(true);
        await allRecordsReadBack();
      },
      async () => { // 18 the history: every operation Succeeded
        const history = (await kw.platformAdmin("GET", `environments/${n.env}/history`)).body.value;
        expect(history.map((h: any) => h.status).every((st: string) => st === "Succeeded")).toBe(true);
        expect(history.filter((h: any) => h.operation === "Update Customer Managed Key").length).toBeGreaterThanOrEqual(4);
      },
    ];

    const demo = startDemo(["--pause", "--suffix", s, "--records", "40"]);
    try {
      for (let step = 1; step < checks.length; step++) {
        const total = await demo.stepDone(step);
        expect(total).toBe(checks.length);
        await checks[step - 1]();
        demo.child.stdin!.write("\n");
      }
      expect(await demo.exited, demo.output().slice(-3000)).toBe(0);
      await checks[checks.length - 1]();
    } finally {
      if (demo.child.exitCode === null) demo.child.kill("SIGTERM");
    }
  }, 600_000);

  it("stops with exit 1 at the first step that does not do what it says, and runs nothing after it", async () => {
    const s = suffix();
    // The vault the demo's first step creates is already there: 'create' refuses it.
    await kw.management.putVault(`contoso-kv-${s}`, { softDelete: true, purgeProtection: true });
    const demo = startDemo(["--suffix", s, "--records", "4"]);
    expect(await demo.exited).toBe(1);
    expect(demo.output()).toMatch(/FAILED at step 1\/19 \(create a key vault with soft delete and purge protection\): 'npx keyward local keyvault create .*' exited 1, expected 0/);
    expect((await kw.keysAdmin("GET", `enterprisePolicies/contoso-cmk-${s}`)).status).toBe(404);
    expect((await kw.platformAdmin("GET", `environments/contoso-prod-${s}`)).status).toBe(404);
  }, 120_000);

  it("says to start keyward when the local file's API does not answer", async () => {
    const dir = fs.mkdtempSync(path.join(kw.dataDir, "stopped-"));
    fs.writeFileSync(path.join(dir, "local.json"), JSON.stringify({ ...local, apiBaseUrl: "http://127.0.0.1:9/api" }));
    const demo = startDemo(["--suffix", suffix()], { KEYWARD_LOCAL_DIR: dir });
    expect(await demo.exited).toBe(1);
    expect(demo.output()).toContain("demo: keyward at http://127.0.0.1:9/api does not answer: start it with 'npm start' in another terminal.");
  }, 60_000);

  it("refuses a KEYWARD_API that is not the local keyward, changing nothing", async () => {
    const s = suffix();
    const demo = startDemo(["--suffix", s], { KEYWARD_API: "https://keyward.contoso.example/api" });
    expect(await demo.exited).toBe(1);
    expect(demo.output()).toContain("demo: refused: KEYWARD_API is https://keyward.contoso.example/api, not the local keyward");
    expect((await kw.management.request("GET", `/vaults/contoso-kv-${s}`)).status).toBe(404);
  }, 60_000);
});
