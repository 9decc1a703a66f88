// `npm run demo` itself (the package.json script, run by npm in the repository, as a newcomer runs
// it beside `npm start`) against an embedded keyward in a child process that runs the local vault
// as `npm start` does (role changes applied 5 s late). With --pause it stops after each step;
// there the test reads the step's outcome itself, through keyward's API, the local vault's
// management API and a KeyClient of its own (the demo's output only tells it that a step is done,
// and that the live progress of 'add --wait' was shown), then lets the demo go on. And: the demo
// builds nothing (dist/, which the running keyward serves, is untouched; without dist/ it says to
// run `npm start`), stops at the first step that fails, and refuses a KEYWARD_API that is not the
// local keyward.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { KeyClient } from "@azure/keyvault-keys";
import { ChildKeyward } from "../support/childKeyward";
import { localVaultAgent } from "../../local/keyvault";
import type { LocalFile } from "../../local/cli/localFile";

const root = path.resolve(__dirname, "../..");
const ENCRYPTION_USER = "Key Vault Crypto Service Encryption User";

let kw: ChildKeyward;
let local: LocalFile;

beforeAll(async () => {
  // Unset (empty): the child runs the local vault with npm start's own role propagation delay.
  kw = await ChildKeyward.start({ KEYWARD_LOCAL_ROLE_PROPAGATION_SECONDS: "" });
  expect((await kw.management.behaviour()).rolePropagationSeconds).toBe(5);
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

/** `npm run demo -- <args>` in `cwd` (the repository), in a process group of its own so the test can end npm and the demo together. */
function startDemo(args: string[], env: Record<string, string | undefined> = {}, cwd = root): DemoRun {
  const childEnv: Record<string, string | undefined> = { ...process.env, KEYWARD_LOCAL_DIR: kw.dataDir, KEYWARD_API: undefined, KEYWARD_TOKEN: undefined, ...env };
  const child = spawn("npm", ["run", "demo", "--", ...args], { cwd, env: childEnv as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"], detached: true });
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

/** Ends npm and the demo under it (their process group), if still running. */
function stopDemo(demo: DemoRun): void {
  if (demo.child.exitCode !== null || demo.child.signalCode !== null) return;
  try {
    process.kill(-demo.child.pid!, "SIGTERM");
  } catch {
    // already gone
  }
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
      async () => { // 10 added
        await expectOn(n.policy, n.key);
        seen.keyIdAfterAdd = (await env()).encryption.keyId;
        await allRecordsReadBack();
      },
      async () => { // 11 rotated: a second version, and the environment on it
        const versions = [];
        for await (const v of keys.listPropertiesOfKeyVersions(n.key)) versions.push(v);
        expect(versions).toHaveLength(2);
        await expectOn(n.policy, n.key);
        expect((await env()).encryption.keyId).not.toBe(seen.keyIdAfterAdd);
      },
      async () => { // 12 revoked: locked, data refused
        expect(await grants(seen.principal!, n.key)).toHaveLength(0);
        expect((await env()).state).toBe("Locked");
        const read = await record(sample[0]);
        expect(read.status).toBe(423);
        expect(read.body.error.code).toBe("EnvironmentLocked");
      },
      async () => expect((await env()).state).toBe("Locked"), // 13 still locked while the demo shows it
      async () => { // 14 restored: unlocked, data back
        expect(await grants(seen.principal!, n.key)).toHaveLength(1);
        expect((await env()).state).toBe("Enabled");
        await allRecordsReadBack();
      },
      async () => { // 15 a second key and policy
        await expectRsa3072(n.key2);
        const p = await policy(n.policy2);
        expect(p.properties.encryption.keyVault.key.name).toBe(n.key2);
        seen.principal2 = p.identity.principalId;
      },
      async () => { // 16 the second policy granted
        expect(await grants(seen.principal2!, n.key2)).toHaveLength(1);
        expect(await health(n.policy2)).toBe("Healthy");
        expect((await policy(n.policy2)).properties.readers).toContain(pa);
      },
      async () => { // 17 changed to the second policy
        await expectOn(n.policy2, n.key2);
        await allRecordsReadBack();
      },
      async () => { // 18 removed: back on the platform key
        const e = await env();
        expect(e.encryption).toMatchObject({ keyType: "PlatformManaged", status: "PlatformManaged" });
        expect(e.encryption.keyId.startsWith(`${local.platformKeyId}/`)).toBe(true);
        await allRecordsReadBack();
      },
      async () => { // 19 the history: every operation Succeeded
        const history = (await kw.platformAdmin("GET", `environments/${n.env}/history`)).body.value;
        expect(history.map((h: any) => h.status).every((st: string) => st === "Succeeded")).toBe(true);
        expect(history.filter((h: any) => h.operation === "Update Customer Managed Key").length).toBeGreaterThanOrEqual(4);
      },
    ];

    // What the running keyward serves (its console) and the demo's own entry point: npm run demo must not rebuild them.
    const builtFiles = ["dist/console/index.html", "dist/cli/demo/run.js", "dist/app.js"].map((f) => path.join(root, f));
    const builtAt = builtFiles.map((f) => fs.statSync(f).mtimeMs);
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
      stopDemo(demo);
    }
    const out = demo.output();
    // npm ran the package.json script, which runs the built demo without building.
    expect(out).toMatch(/> keyward@[\d.]+ demo\n> .*node dist\/cli\/demo\/run\.js --pause --suffix/);
    expect(out).not.toMatch(/\btsc\b|vite build/);
    expect(builtFiles.map((f) => fs.statSync(f).mtimeMs)).toEqual(builtAt);
    // The live progress of 'add --wait' (its plain line per status, the environment first), before the step's outcome.
    const addStep = out.slice(out.indexOf(`$ npx keyward add ${n.policy} ${n.env} --wait`), out.indexOf("== Step 11/"));
    expect(addStep).toMatch(new RegExp(`\\n${n.env}  (Encrypting|EncryptingOnline|Running|Succeeded)\\b`));
    expect(addStep).toContain(`${n.env}: Update Customer Managed Key Succeeded`);
    // The grants waited for the vault's 5 s: step 1's Crypto Officer, step 4's and step 14's Encryption User.
    expect(out.match(/Waiting for (your|the) grant to take effect: the local vault applies role changes 5 s late/g)?.length).toBeGreaterThanOrEqual(4);
  }, 600_000);

  it("builds nothing: without dist/ it says to start keyward with npm start, and creates no dist/", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-nodist-"));
    try {
      fs.copyFileSync(path.join(root, "package.json"), path.join(dir, "package.json"));
      const demo = startDemo(["--suffix", suffix()], {}, dir);
      expect(await demo.exited).toBe(1);
      expect(demo.output()).toContain("demo: dist/ is not built here. Start keyward with npm start in another terminal (it builds dist/), then run npm run demo again.");
      expect(fs.existsSync(path.join(dir, "dist"))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

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
