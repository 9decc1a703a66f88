// State across restarts, host resolution through the agent, the management API's reach, and
// what the request log and state file hold.
import fs from "node:fs";
import path from "node:path";
import https from "node:https";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyClient } from "@azure/keyvault-keys";
import { localVaultAgent, localVaultLookup } from "../../local/keyvault";
import { credentialFor, rejectionOf, startHarness, type Harness } from "./harness";

const ADMIN = "persist-admin";
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

describe("persistence", () => {
  it("keeps vaults, keys, versions, roles and subscriptions across a stop/start on the same dataDir", async () => {
    const { id } = await h.vaultWithAdmin("persisted", ADMIN, { purgeProtection: true });
    await h.mgmt.putRoleAssignment("app", { principalId: "app", roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: id });
    await h.mgmt.putEventSubscription("sub", { endpoint: "http://127.0.0.1:9/never", enabled: false });
    const kc = h.keyClient("persisted", ADMIN);
    const key = await kc.createRsaKey("cmk", { keySize: 3072 });
    await kc.rotateKey("cmk");
    await kc.createRsaKey("doomed");
    await (await kc.beginDeleteKey("doomed", { intervalInMs: 10 })).pollUntilDone();
    const dek = randomBytes(32);
    const wrapped = await h.cryptoClient(key.id!, "app").wrapKey("RSA-OAEP-256", dek);
    const caBefore = h.vault.caCertPem;
    const port = h.vault.port;

    await h.restart({ port }); // same port: the stored versioned kids stay valid
    expect(h.vault.caCertPem).toBe(caBefore);
    const unwrapped = await h.cryptoClient(key.id!, "app").unwrapKey("RSA-OAEP-256", wrapped.result);
    expect(Buffer.from(unwrapped.result).equals(dek)).toBe(true);
    const versions: string[] = [];
    for await (const p of h.keyClient("persisted", ADMIN).listPropertiesOfKeyVersions("cmk")) versions.push(p.version!);
    expect(versions).toHaveLength(2);
    expect((await h.keyClient("persisted", ADMIN).getDeletedKey("doomed")).name).toBe("doomed");
    expect((await h.mgmt.getVault("persisted")).properties.purgeProtection).toBe(true);
    expect((await h.mgmt.roleAssignments()).map((a) => a.id)).toEqual(expect.arrayContaining(["app"]));
    expect((await h.mgmt.request<{ value: Array<{ name: string }> }>("GET", "/eventSubscriptions")).body.value.map((s) => s.name)).toEqual(["sub"]);
  });

  it("has every change on disk by the time its call returns", async () => {
    const onDisk = () => JSON.parse(fs.readFileSync(path.join(h.dataDir, "state.json"), "utf8"));
    const { id } = await h.vaultWithAdmin("durable", ADMIN);
    expect(onDisk().vaults.durable.purgeProtection).toBe(false);
    const kc = h.keyClient("durable", ADMIN);
    const key = await kc.createRsaKey("k");
    expect(onDisk().vaults.durable.keys.k.versions.map((v: { version: string }) => v.version)).toEqual([key.properties.version]);
    await kc.updateKeyProperties("k", key.properties.version!, { enabled: false });
    expect(onDisk().vaults.durable.keys.k.versions[0].enabled).toBe(false);
    const rotated = await kc.rotateKey("k");
    expect(onDisk().vaults.durable.keys.k.versions[1].version).toBe(rotated.properties.version);
    await kc.updateKeyRotationPolicy("k", { lifetimeActions: [{ action: "Notify", timeBeforeExpiry: "P10D" }], expiresIn: "P30D" });
    expect(onDisk().vaults.durable.keys.k.rotationPolicy.expiryTime).toBe("P30D");
    await (await kc.beginDeleteKey("k", { intervalInMs: 10 })).pollUntilDone();
    expect(Object.keys(onDisk().vaults.durable.deletedKeys)).toEqual(["k"]);
    await (await kc.beginRecoverDeletedKey("k", { intervalInMs: 10 })).pollUntilDone();
    expect(Object.keys(onDisk().vaults.durable.keys)).toEqual(["k"]);
    await h.mgmt.putRoleAssignment("durable-ra", { principalId: "x", roleDefinitionName: "Key Vault Reader", scope: id });
    expect(onDisk().roleAssignments["durable-ra"].principalId).toBe("x");
    await h.mgmt.deleteRoleAssignment("durable-ra");
    expect(onDisk().roleAssignments["durable-ra"]).toBeUndefined();
    await h.mgmt.putVault("durable", { purgeProtection: true });
    expect(onDisk().vaults.durable.purgeProtection).toBe(true);
  });

  it("writes state atomically (no temp files left) and purges deleted keys whose retention ran out", async () => {
    const { id } = await h.vaultWithAdmin("retention", ADMIN, { retentionDays: 7 });
    void id;
    const kc = h.keyClient("retention", ADMIN);
    await kc.createRsaKey("old");
    await (await kc.beginDeleteKey("old", { intervalInMs: 10 })).pollUntilDone();
    expect(fs.readdirSync(h.dataDir).filter((f) => f.includes(".tmp"))).toEqual([]);

    // Move the scheduled purge date into the past while the vault is stopped.
    const port = h.vault.port;
    await h.vault.stop();
    const file = path.join(h.dataDir, "state.json");
    const state = JSON.parse(fs.readFileSync(file, "utf8"));
    state.vaults.retention.deletedKeys.old.scheduledPurgeDate = Math.floor(Date.now() / 1000) - 1;
    fs.writeFileSync(file, JSON.stringify(state));
    await h.restart({ port });
    expect((await h.mgmt.scanExpiry()).purged).toEqual(["retention/old"]);
    expect((await rejectionOf(h.keyClient("retention", ADMIN).getDeletedKey("old"))).statusCode).toBe(404);
  });

  it("refuses to start on a corrupt state file instead of starting empty", async () => {
    const port = h.vault.port;
    await h.vault.stop();
    const file = path.join(h.dataDir, "state.json");
    const good = fs.readFileSync(file);
    fs.writeFileSync(file, "{ not json");
    try {
      await expect(h.restart({ port })).rejects.toThrow(/not readable JSON/);
    } finally {
      fs.writeFileSync(file, good);
    }
    await h.restart({ port });
    expect((await h.mgmt.getVault("persisted")).name).toBe("persisted");
  });
});

describe("host resolution", () => {
  it("an unknown vault host fails with ENOTFOUND through the agent, like DNS", async () => {
    const client = h.keyClient("never-created", ADMIN, { retryOptions: { maxRetries: 0 } });
    const err = await rejectionOf(client.getKey("k"));
    expect(err.code).toBe("ENOTFOUND");
    expect(err.name).toBe("RestError");
    expect(err.statusCode).toBeUndefined();
    expect(err.message).toBe("getaddrinfo ENOTFOUND never-created.vault.azure.net");
  });

  it("the SDK retries ENOTFOUND by default", async () => {
    const calls: string[] = [];
    const agent = localVaultAgent({ caCertPem: h.vault.caCertPem, resolve: async (host) => { calls.push(host); return false; } });
    try {
      const client = new KeyClient(h.vault.vaultUrl("ghost"), credentialFor(h.issuer, ADMIN), { agent, retryOptions: { retryDelayInMs: 1, maxRetryDelayInMs: 1 } });
      expect((await rejectionOf(client.getKey("k"))).code).toBe("ENOTFOUND");
      expect(calls).toEqual(Array(4).fill("ghost.vault.azure.net"));
    } finally {
      agent.destroy();
    }
  });

  it("without `resolve` every vault host resolves, and the vault answers 404 VaultNotFound", async () => {
    const agent = localVaultAgent({ caCertPem: h.vault.caCertPem });
    try {
      const client = new KeyClient(h.vault.vaultUrl("nowhere"), credentialFor(h.issuer, ADMIN), { agent });
      const err = await rejectionOf(client.getKey("k"));
      expect(err.statusCode).toBe(404);
      expect(err.code).toBe("VaultNotFound");
    } finally {
      agent.destroy();
    }
  });

  it("a deleted vault stops resolving", async () => {
    await h.mgmt.putVault("short-lived");
    expect(await h.mgmt.resolve(`short-lived.vault.azure.net:${h.vault.port}`)).toBe(true);
    await h.mgmt.deleteVault("short-lived");
    expect(await h.mgmt.resolve("short-lived.vault.azure.net")).toBe(false);
    expect(await h.mgmt.resolve("example.com")).toBe(false);
  });

  it("the lookup answers in both callback shapes and leaves other hosts to DNS", async () => {
    const lookup = localVaultLookup(async (host) => host.startsWith("yes."));
    const call = (host: string, all: boolean) => new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }>((resolve) =>
      (lookup as unknown as (h: string, o: object, cb: (e: NodeJS.ErrnoException | null, a: unknown, f?: number) => void) => void)(host, { all }, (err, address, family) => resolve({ err, address, family })));
    expect(await call("yes.vault.azure.net", true)).toEqual({ err: null, address: [{ address: "127.0.0.1", family: 4 }], family: undefined });
    expect(await call("YES.managedhsm.azure.net", false)).toMatchObject({ err: null, address: "127.0.0.1", family: 4 });
    const no = await call("no.vault.azure.net", false);
    expect(no.err).toMatchObject({ code: "ENOTFOUND", syscall: "getaddrinfo", hostname: "no.vault.azure.net", message: "getaddrinfo ENOTFOUND no.vault.azure.net" });
    const local = await call("localhost", false);
    expect(local.err).toBeNull();
  });
});

describe("management API and request log", () => {
  function get(url: string, host?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = https.request(url, { ca: h.vault.caCertPem, agent: false, headers: host ? { host } : {} }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on("error", reject);
      req.end();
    });
  }

  it("answers on 127.0.0.1 only, not on a vault host name", async () => {
    expect(await get(`${h.vault.managementUrl}/health`)).toBe(200);
    expect(h.vault.managementUrl).toBe(`https://127.0.0.1:${h.vault.port}/_local`);
    expect(await get(`${h.vault.managementUrl}/vaults`, `persisted.vault.azure.net:${h.vault.port}`)).not.toBe(200);
    expect(await get(`https://127.0.0.1:${h.vault.port}/keys`)).toBe(404);
  });

  it("logs each call with operation, status and principal, and never key material", async () => {
    const since = (await h.mgmt.requests()).lastSeq;
    const key = await h.keyClient("persisted", ADMIN).getKey("cmk");
    const cc = h.cryptoClient(key.id!, "app");
    const dek = randomBytes(32);
    const w = await cc.wrapKey("RSA-OAEP-256", dek);
    await cc.unwrapKey("RSA-OAEP-256", w.result);
    const log = (await h.mgmt.requests(since)).value;
    expect(log.map((r) => [r.method, r.vault, r.operation, r.status, r.principal])).toEqual([
      ["GET", "persisted", "get", 401, null],
      ["GET", "persisted", "get", 200, ADMIN],
      ["GET", "persisted", "get", 401, null],
      ["GET", "persisted", "get", 200, "app"],
      ["POST", "persisted", "wrapKey", 200, "app"],
      ["POST", "persisted", "unwrapKey", 200, "app"],
    ]);
    expect(log[5].path).toBe(`/keys/cmk/${key.properties.version}/unwrapkey`);
    expect(log.every((r, i) => i === 0 || r.seq === log[i - 1].seq + 1)).toBe(true);
    const everything = JSON.stringify(log) + h.logs.join("\n");
    for (const secret of [dek.toString("base64url"), Buffer.from(w.result).toString("base64url"), dek.toString("base64")]) {
      expect(everything).not.toContain(secret);
    }
  });
});
