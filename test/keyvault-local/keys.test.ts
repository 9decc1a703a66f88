// Keys REST API through the real @azure/keyvault-keys SDK, challenge resource verification ON,
// against https://{vault}.vault.azure.net:{port} via localVaultAgent.
import https from "node:https";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CryptographyClient, parseKeyVaultKeyIdentifier, KeyClient, type KeyVaultKey } from "@azure/keyvault-keys";
import { credentialFor, rejectionOf, startHarness, type Harness } from "./harness";

const ADMIN = "kv-admin";
let h: Harness;
let kc: KeyClient;

beforeAll(async () => {
  h = await startHarness();
  await h.vaultWithAdmin("keysvault", ADMIN, { purgeProtection: false });
  kc = h.keyClient("keysvault", ADMIN);
});
afterAll(async () => h?.close());

function rawRequest(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: init.method ?? "GET", headers: init.headers, agent: h.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

describe("challenge authentication", () => {
  it("answers a request without a token with 401 and the challenge the SDK expects", async () => {
    const res = await rawRequest(`${h.vault.vaultUrl("keysvault")}/keys?api-version=2025-07-01`);
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe(
      'Bearer authorization="https://login.microsoftonline.com/72f988bf-0000-4000-8000-00000000c0de", resource="https://vault.azure.net"');
    expect(JSON.parse(res.body).error.code).toBe("Unauthorized");
  });

  it("refuses an invalid token, and a token for another audience, with 401", async () => {
    const bad = await rawRequest(`${h.vault.vaultUrl("keysvault")}/keys?api-version=2025-07-01`, { headers: { authorization: "Bearer not-a-jwt" } });
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body).error.message).toMatch(/^AKV10032/);
    const token = await h.issuer.sign({ oid: ADMIN, audience: "api://something-else" });
    const wrongAud = await rawRequest(`${h.vault.vaultUrl("keysvault")}/keys?api-version=2025-07-01`, { headers: { authorization: `Bearer ${token}` } });
    expect(wrongAud.status).toBe(401);
    // The HSM audience is valid for the verifier but not for a vault host.
    const hsmToken = await h.issuer.sign({ oid: ADMIN, audience: "https://managedhsm.azure.net" });
    const hsmAud = await rawRequest(`${h.vault.vaultUrl("keysvault")}/keys?api-version=2025-07-01`, { headers: { authorization: `Bearer ${hsmToken}` } });
    expect(hsmAud.status).toBe(401);
    expect(JSON.parse(hsmAud.body).error.message).toMatch(/^AKV10022: Invalid audience/);
  });

  it("lets the SDK ask for a token for the challenged resource", async () => {
    const calls: string[][] = [];
    const client = new KeyClient(h.vault.vaultUrl("keysvault"), credentialFor(h.issuer, ADMIN, calls), h.clientOptions());
    for await (const _ of client.listPropertiesOfKeys()) { /* drain */ }
    expect(calls[0]).toEqual(["https://vault.azure.net/.default"]);
  });
});

describe("create, wrap and unwrap", () => {
  const combos = (["RSA", "RSA-HSM"] as const).flatMap((kty) => [2048, 3072, 4096].map((size) => ({ kty, size })));

  it("creates RSA and RSA-HSM keys of 2048, 3072 and 4096 bits and round-trips RSA-OAEP-256 in the vault", async () => {
    const keys = await Promise.all(combos.map(({ kty, size }) =>
      kc.createRsaKey(`k-${kty.toLowerCase()}-${size}`, { keySize: size, hsm: kty === "RSA-HSM", keyOps: ["wrapKey", "unwrapKey"] })));
    const seqBefore = (await h.mgmt.requests()).lastSeq;
    for (const [i, key] of keys.entries()) {
      const { kty, size } = combos[i];
      expect(key.keyType).toBe(kty);
      expect(Buffer.from(key.key!.n!).length * 8).toBe(size);
      expect(key.keyOperations).toEqual(["wrapKey", "unwrapKey"]);
      const cc = h.cryptoClient(key.id!, ADMIN);
      const dek = randomBytes(32);
      const wrapped = await cc.wrapKey("RSA-OAEP-256", dek);
      expect(wrapped.keyID).toBe(key.id);
      expect(wrapped.result.length).toBe(size / 8);
      const unwrapped = await cc.unwrapKey("RSA-OAEP-256", wrapped.result);
      expect(Buffer.from(unwrapped.result).equals(dek)).toBe(true);
    }
    // RSA-OAEP-256 wrap and every unwrap go to the vault (the SDK only wraps RSA-OAEP locally).
    const ops = (await h.mgmt.requests(seqBefore)).value.filter((r) => r.status === 200).map((r) => r.operation);
    expect(ops.filter((o) => o === "wrapKey")).toHaveLength(combos.length);
    expect(ops.filter((o) => o === "unwrapKey")).toHaveLength(combos.length);
  });

  it("puts the port in the kid, and the SDK parses it back", async () => {
    const key = await kc.createRsaKey("kid-check");
    const parsed = parseKeyVaultKeyIdentifier(key.id!);
    expect(parsed.vaultUrl).toBe(`https://keysvault.vault.azure.net:${h.vault.port}`);
    expect(parsed.name).toBe("kid-check");
    expect(parsed.version).toMatch(/^[0-9a-f]{32}$/);
    expect(key.properties.vaultUrl).toBe(h.vault.vaultUrl("keysvault"));
    expect(key.properties.recoveryLevel).toBe("Recoverable+Purgeable");
    expect(key.properties.recoverableDays).toBe(90);
    expect(key.properties.createdOn).toBeInstanceOf(Date);
  });

  it("fails to unwrap with another key version, a tampered wrapped key, or a version that does not exist", async () => {
    const v1 = await kc.createRsaKey("versions");
    const dek = randomBytes(32);
    const wrapped = await h.cryptoClient(v1.id!, ADMIN).wrapKey("RSA-OAEP-256", dek);
    const v2 = await kc.rotateKey("versions");
    expect(v2.properties.version).not.toBe(v1.properties.version);

    const other = await rejectionOf(h.cryptoClient(v2.id!, ADMIN).unwrapKey("RSA-OAEP-256", wrapped.result));
    expect(other.statusCode).toBe(400);
    expect(other.code).toBe("BadParameter");

    const tampered = Buffer.from(wrapped.result);
    tampered[10] ^= 0x01;
    const bad = await rejectionOf(h.cryptoClient(v1.id!, ADMIN).unwrapKey("RSA-OAEP-256", tampered));
    expect(bad.statusCode).toBe(400);

    const missing = await rejectionOf(h.cryptoClient(`${h.vault.vaultUrl("keysvault")}/keys/versions/${"0".repeat(32)}`, ADMIN).unwrapKey("RSA-OAEP-256", wrapped.result));
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe("KeyNotFound");
    expect(missing.details?.error?.message).toMatch(/^A key with \(name\/id\) versions\/0{32} was not found in this key vault/);

    // The right version still unwraps.
    const ok = await h.cryptoClient(v1.id!, ADMIN).unwrapKey("RSA-OAEP-256", wrapped.result);
    expect(Buffer.from(ok.result).equals(dek)).toBe(true);
  });

  it("wraps RSA-OAEP locally (no vault call), unwraps it in the vault, and refuses RSA1_5 unwrap", async () => {
    const key = await kc.createRsaKey("oaep");
    const cc = h.cryptoClient(key.id!, ADMIN);
    const dek = randomBytes(32);
    await cc.wrapKey("RSA-OAEP", dek); // the client's one GET of the key happens here
    const before = (await h.mgmt.requests()).lastSeq;
    const wrapped = await cc.wrapKey("RSA-OAEP", dek);
    expect((await h.mgmt.requests(before)).value).toHaveLength(0);
    expect(Buffer.from((await cc.unwrapKey("RSA-OAEP", wrapped.result)).result).equals(dek)).toBe(true);
    const rsa15 = await rejectionOf(cc.unwrapKey("RSA1_5", wrapped.result));
    expect(rsa15.statusCode).toBe(400);
  });

  it("encrypts and decrypts with RSA-OAEP-256", async () => {
    const key = await kc.createRsaKey("encdec");
    const cc = h.cryptoClient(key.id!, ADMIN);
    const enc = await cc.encrypt({ algorithm: "RSA-OAEP-256", plaintext: Buffer.from("hello") });
    const dec = await cc.decrypt({ algorithm: "RSA-OAEP-256", ciphertext: enc.result });
    expect(Buffer.from(dec.result).toString()).toBe("hello");
  });

  it("refuses key types, sizes and curves Azure would not create here", async () => {
    const size = await rejectionOf(kc.createRsaKey("bad-size", { keySize: 1024 }));
    expect(size.statusCode).toBe(400);
    expect(size.code).toBe("BadParameter");
    const oct = await rejectionOf(kc.createKey("bad-oct", "oct"));
    expect(oct.statusCode).toBe(400);
    expect(oct.details?.error?.message).toMatch(/use RSA, RSA-HSM, EC or EC-HSM/);
    const curve = await rejectionOf(kc.createEcKey("bad-curve", { curve: "P-192" as never }));
    expect(curve.statusCode).toBe(400);
    expect(curve.details?.error?.message).toMatch(/^Invalid curve "P-192"\. Supported curves are P-256, P-384, P-521, P-256K\.$/);
    const name = await rejectionOf(kc.createRsaKey("bad_name!"));
    expect(name.statusCode).toBe(400);
  });
});

describe("EC keys", () => {
  const curves = ["P-256", "P-384", "P-521", "P-256K"] as const;
  const coordinateBytes: Record<(typeof curves)[number], number> = { "P-256": 32, "P-384": 48, "P-521": 66, "P-256K": 32 };

  it("creates EC and EC-HSM keys on every curve Azure offers, with the public point and sign/verify as key_ops", async () => {
    for (const hsm of [false, true]) {
      for (const curve of curves) {
        const key = await kc.createEcKey(`ec-${hsm ? "hsm" : "sw"}-${curve.toLowerCase()}`, { curve, hsm });
        expect(key.keyType).toBe(hsm ? "EC-HSM" : "EC");
        expect(key.key?.crv).toBe(curve);
        expect(key.key?.x?.length).toBe(coordinateBytes[curve]);
        expect(key.key?.y?.length).toBe(coordinateBytes[curve]);
        expect(key.key?.n).toBeUndefined();
        expect(key.keyOperations).toEqual(["sign", "verify"]);
        const again = await kc.getKey(key.name);
        expect(again.key?.crv).toBe(curve);
        expect(Buffer.from(again.key!.x!).equals(Buffer.from(key.key!.x!))).toBe(true);
      }
    }
    // Without a curve, Azure's default P-256.
    expect((await kc.createEcKey("ec-default")).key?.crv).toBe("P-256");
  });

  it("an EC key cannot wrap: key_ops with wrapKey are refused at create, and a wrap is refused by key_ops", async () => {
    const withWrap = await rejectionOf(kc.createEcKey("ec-wrap", { keyOps: ["wrapKey", "unwrapKey"] }));
    expect(withWrap.statusCode).toBe(400);
    expect(withWrap.details?.error?.message).toBe("key_ops for a EC key must be a list of: sign, verify.");
    const key = await kc.createEcKey("ec-nowrap");
    const remote = new CryptographyClient(key.id!, credentialFor(h.issuer, ADMIN), h.clientOptions());
    // The SDK knows from key_ops that the key cannot wrap.
    expect((await rejectionOf(remote.wrapKey("RSA-OAEP-256", randomBytes(32)))).message).toMatch(/Operation wrapKey is not supported on key/);
    const raw = await rawRequest(`${key.id}/wrapkey?api-version=7.6`, {
      method: "POST",
      headers: { authorization: `Bearer ${await h.issuer.sign({ oid: ADMIN, audience: "https://vault.azure.net" })}`, "content-type": "application/json" },
      body: JSON.stringify({ alg: "RSA-OAEP-256", value: randomBytes(32).toString("base64url") }),
    });
    expect(raw.status).toBe(403);
    expect(JSON.parse(raw.body).error).toEqual({ code: "Forbidden", message: "Operation wrapKey is not permitted on this key.", innererror: { code: "KeyOperationForbidden" } });
  });

  it("rotates an EC key to a new version on the same curve, and backs it up and restores it", async () => {
    const key = await kc.createEcKey("ec-rot", { curve: "P-384", hsm: true });
    const rotated = await kc.rotateKey("ec-rot");
    expect(rotated.properties.version).not.toBe(key.properties.version);
    expect(rotated.keyType).toBe("EC-HSM");
    expect(rotated.key?.crv).toBe("P-384");
    const blob = await kc.backupKey("ec-rot");
    await (await kc.beginDeleteKey("ec-rot", { intervalInMs: 10 })).pollUntilDone();
    await kc.purgeDeletedKey("ec-rot");
    const restored = await kc.restoreKeyBackup(blob!);
    expect(restored.key?.crv).toBe("P-384");
    expect(restored.properties.version).toBe(rotated.properties.version);
  });
});

describe("get, list, versions, update", () => {
  let first: KeyVaultKey;
  beforeAll(async () => {
    first = await kc.createRsaKey("meta", { tags: { team: "a" }, notBefore: new Date(Date.now() - 60_000) });
    await kc.createRsaKey("meta", { tags: { team: "b" } });
  });

  it("gets the latest version or a given one", async () => {
    const latest = await kc.getKey("meta");
    expect(latest.properties.version).not.toBe(first.properties.version);
    expect(latest.properties.tags).toEqual({ team: "b" });
    const old = await kc.getKey("meta", { version: first.properties.version });
    expect(old.id).toBe(first.id);
    expect(old.properties.notBefore?.getTime()).toBe(Math.floor(first.properties.notBefore!.getTime() / 1000) * 1000);
    const missing = await rejectionOf(kc.getKey("no-such-key"));
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe("KeyNotFound");
  });

  it("lists keys and versions", async () => {
    const names: string[] = [];
    for await (const p of kc.listPropertiesOfKeys()) names.push(p.name);
    expect(names).toContain("meta");
    const versions: string[] = [];
    for await (const p of kc.listPropertiesOfKeyVersions("meta")) versions.push(p.version!);
    expect(versions).toHaveLength(2);
    expect(versions[0]).toBe(first.properties.version);
    const none: string[] = [];
    for await (const p of kc.listPropertiesOfKeyVersions("never-created")) none.push(p.version!);
    expect(none).toEqual([]);
  });

  it("updates enabled, expiry, operations and tags of one version only", async () => {
    const exp = new Date(Date.now() + 30 * 86400_000);
    const updated = await kc.updateKeyProperties("meta", first.properties.version!, {
      expiresOn: exp, tags: { team: "c" }, keyOps: ["wrapKey", "unwrapKey"],
    });
    expect(updated.properties.expiresOn?.getTime()).toBe(Math.floor(exp.getTime() / 1000) * 1000);
    expect(updated.properties.tags).toEqual({ team: "c" });
    expect(updated.keyOperations).toEqual(["wrapKey", "unwrapKey"]);
    const latest = await kc.getKey("meta");
    expect(latest.properties.tags).toEqual({ team: "b" });
    expect(latest.properties.expiresOn).toBeUndefined();
  });
});

describe("rotation", () => {
  it("rotates to a new version with the same type, size and operations, and keeps a rotation policy", async () => {
    const k = await kc.createRsaKey("rot", { keySize: 3072, hsm: true, keyOps: ["wrapKey", "unwrapKey"] });
    const defaultPolicy = await kc.getKeyRotationPolicy("rot");
    expect(defaultPolicy.lifetimeActions).toEqual([{ action: "Notify", timeBeforeExpiry: "P30D" }]);
    const policy = await kc.updateKeyRotationPolicy("rot", {
      lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P90D" }, { action: "Notify", timeBeforeExpiry: "P30D" }],
      expiresIn: "P180D",
    });
    expect(policy.expiresIn).toBe("P180D");
    expect(policy.id).toBe(`${h.vault.vaultUrl("keysvault")}/keys/rot/rotationpolicy`);
    const again = await kc.getKeyRotationPolicy("rot");
    expect(again.lifetimeActions).toHaveLength(2);

    const rotated = await kc.rotateKey("rot");
    expect(rotated.properties.version).not.toBe(k.properties.version);
    expect(rotated.keyType).toBe("RSA-HSM");
    expect(Buffer.from(rotated.key!.n!).length).toBe(384);
    expect(rotated.keyOperations).toEqual(["wrapKey", "unwrapKey"]);
    // expiresIn from the policy dates the new version.
    const days = (rotated.properties.expiresOn!.getTime() - Date.now()) / 86400_000;
    expect(days).toBeGreaterThan(179);
    expect(days).toBeLessThanOrEqual(180);

    const bad = await rejectionOf(kc.updateKeyRotationPolicy("rot", { lifetimeActions: [{ action: "Rotate", timeAfterCreate: "ninety days" }] }));
    expect(bad.statusCode).toBe(400);
  });
});

describe("backup and restore", () => {
  it("restores a purged key from its backup with all versions, and refuses a restore over an existing name", async () => {
    const k = await kc.createRsaKey("bk");
    const dek = randomBytes(32);
    const wrapped = await h.cryptoClient(k.id!, ADMIN).wrapKey("RSA-OAEP-256", dek);
    await kc.rotateKey("bk");
    const blob = await kc.backupKey("bk");
    expect(blob).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(blob!).includes(Buffer.from("PRIVATE KEY"))).toBe(false);

    const conflict = await rejectionOf(kc.restoreKeyBackup(blob!));
    expect(conflict.statusCode).toBe(409);

    await (await kc.beginDeleteKey("bk", { intervalInMs: 10 })).pollUntilDone();
    const deleted = await rejectionOf(kc.restoreKeyBackup(blob!));
    expect(deleted.details?.error?.innerError?.code).toBe("ObjectIsDeletedButRecoverable");
    await kc.purgeDeletedKey("bk");

    const restored = await kc.restoreKeyBackup(blob!);
    expect(restored.name).toBe("bk");
    const versions: string[] = [];
    for await (const p of kc.listPropertiesOfKeyVersions("bk")) versions.push(p.version!);
    expect(versions).toHaveLength(2);
    const unwrapped = await h.cryptoClient(k.id!, ADMIN).unwrapKey("RSA-OAEP-256", wrapped.result);
    expect(Buffer.from(unwrapped.result).equals(dek)).toBe(true);

    const corrupt = await rejectionOf(kc.restoreKeyBackup(new Uint8Array([1, 2, 3])));
    expect(corrupt.statusCode).toBe(400);
  });
});

describe("managed HSM", () => {
  it("serves HSM hosts with the managedhsm challenge resource, HSM roles and RSA-HSM keys", async () => {
    const hsm = await h.mgmt.putVault("myhsm", { kind: "managedHsm", purgeProtection: true });
    expect(hsm.id).toMatch(/\/providers\/Microsoft\.KeyVault\/managedHSMs\/myhsm$/);
    expect(hsm.vaultUri).toBe(h.vault.managedHsmUrl("myhsm"));

    const raw = await rawRequest(`${h.vault.managedHsmUrl("myhsm")}/keys?api-version=7.5`);
    expect(raw.headers["www-authenticate"]).toContain('resource="https://managedhsm.azure.net"');

    // A vault role does not reach into a managed HSM.
    await h.mgmt.putRoleAssignment("hsm-wrong-role", { principalId: "hsm-user", roleDefinitionName: "Key Vault Administrator", scope: hsm.id });
    const calls: string[][] = [];
    const hc = new KeyClient(h.vault.managedHsmUrl("myhsm"), credentialFor(h.issuer, "hsm-user", calls), h.clientOptions());
    const refused = await rejectionOf(hc.createRsaKey("hk", { hsm: true }));
    expect(refused.statusCode).toBe(403);
    expect(refused.details?.error?.message).toContain("Action: 'Microsoft.KeyVault/managedHsm/keys/create'");
    expect(calls[0]).toEqual(["https://managedhsm.azure.net/.default"]);

    await h.mgmt.putRoleAssignment("hsm-officer", { principalId: "hsm-user", roleDefinitionName: "Managed HSM Crypto Officer", scope: hsm.id });
    await h.mgmt.putRoleAssignment("hsm-sec", { principalId: "hsm-app", roleDefinitionName: "Managed HSM Crypto Service Encryption User", scope: hsm.id });
    for (const size of [2048, 3072, 4096]) {
      const key = await hc.createRsaKey(`hk-${size}`, { keySize: size, hsm: true });
      expect(key.keyType).toBe("RSA-HSM");
      expect(key.id!.startsWith(`https://myhsm.managedhsm.azure.net:${h.vault.port}/keys/hk-${size}/`)).toBe(true);
      const app = h.cryptoClient(key.id!, "hsm-app");
      const dek = randomBytes(32);
      const wrapped = await app.wrapKey("RSA-OAEP-256", dek);
      expect(Buffer.from((await app.unwrapKey("RSA-OAEP-256", wrapped.result)).result).equals(dek)).toBe(true);
    }
    const appCreate = await rejectionOf(h.hsmKeyClient("myhsm", "hsm-app").createRsaKey("nope", { hsm: true }));
    expect(appCreate.statusCode).toBe(403);

    // A vault host with the same name is a different (unknown) resource.
    expect(await h.mgmt.resolve(`myhsm.vault.azure.net`)).toBe(false);
    expect(await h.mgmt.resolve(`myhsm.managedhsm.azure.net`)).toBe(true);
  });
});
