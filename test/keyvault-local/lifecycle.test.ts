// Key lifecycle as the SDK sees it: disabled, expired and not-yet-valid versions, key_ops,
// delete, soft delete, recover, purge and purge protection, and vault recovery levels.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CryptographyClient, type KeyClient, type KeyVaultKey } from "@azure/keyvault-keys";
import { credentialFor, rejectionOf, startHarness, type Harness } from "./harness";

const ADMIN = "life-admin";
const APP = "life-app";
let h: Harness;
let kc: KeyClient; // protected vault: soft delete + purge protection
let open: KeyClient; // soft delete, no purge protection
let plain: KeyClient; // no soft delete

beforeAll(async () => {
  h = await startHarness();
  const protectedVault = await h.vaultWithAdmin("protected", ADMIN, { softDelete: true, purgeProtection: true, retentionDays: 90 });
  await h.vaultWithAdmin("openvault", ADMIN, { softDelete: true, purgeProtection: false, retentionDays: 7 });
  await h.vaultWithAdmin("plainvault", ADMIN, { softDelete: false });
  await h.mgmt.putRoleAssignment("life-app", { principalId: APP, roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: protectedVault.id });
  kc = h.keyClient("protected", ADMIN);
  open = h.keyClient("openvault", ADMIN);
  plain = h.keyClient("plainvault", ADMIN);
});
afterAll(async () => h?.close());

async function wrapped(key: KeyVaultKey): Promise<{ dek: Buffer; value: Uint8Array }> {
  const dek = randomBytes(32);
  return { dek, value: (await h.cryptoClient(key.id!, ADMIN).wrapKey("RSA-OAEP-256", dek)).result };
}

/** A client that skips the SDK's local validity checks, so the vault's own answer shows. */
function remoteOnly(key: KeyVaultKey, oid: string): CryptographyClient {
  const stripped: KeyVaultKey = { ...key, keyOperations: undefined, properties: { ...key.properties, expiresOn: undefined, notBefore: undefined } };
  return new CryptographyClient(stripped, credentialFor(h.issuer, oid), h.clientOptions());
}

describe("disabled versions", () => {
  it("refuses get and unwrap of a disabled version with 403 KeyDisabled, and works again once re-enabled", async () => {
    const key = await kc.createRsaKey("disable-me");
    const w = await wrapped(key);
    const cached = h.cryptoClient(key.id!, APP);
    await cached.unwrapKey("RSA-OAEP-256", w.value);

    await kc.updateKeyProperties("disable-me", key.properties.version!, { enabled: false });
    const get = await rejectionOf(kc.getKey("disable-me"));
    expect(get.statusCode).toBe(403);
    expect(get.details?.error).toMatchObject({ code: "Forbidden", message: "Operation get is not allowed on a disabled key.", innerError: { code: "KeyDisabled" } });

    // A client that already holds the key goes straight to the vault; a fresh one gets 403 on
    // its GET, falls back to remote-only, and gets the vault's unwrap answer.
    for (const cc of [cached, h.cryptoClient(key.id!, APP)]) {
      const err = await rejectionOf(cc.unwrapKey("RSA-OAEP-256", w.value));
      expect(err.statusCode).toBe(403);
      expect(err.code).toBe("Forbidden");
      expect(err.details?.error?.message).toBe("Operation unwrapKey is not allowed on a disabled key.");
      expect(err.details?.error?.innerError?.code).toBe("KeyDisabled");
    }
    await kc.updateKeyProperties("disable-me", key.properties.version!, { enabled: true });
    expect(Buffer.from((await cached.unwrapKey("RSA-OAEP-256", w.value)).result).equals(w.dek)).toBe(true);
  });
});

describe("validity window and key_ops", () => {
  it("an expired version: the vault still unwraps and decrypts (Azure's recovery rule) but refuses wrap and encrypt with 403 KeyExpired; the SDK refuses every operation locally", async () => {
    const key = await kc.createRsaKey("expiring");
    const w = await wrapped(key);
    const ciphertext = (await h.cryptoClient(key.id!, ADMIN).encrypt({ algorithm: "RSA-OAEP-256", plaintext: Buffer.from("kept") })).result;
    await kc.updateKeyProperties("expiring", key.properties.version!, { expiresOn: new Date(Date.now() - 1000) });
    // GET of an expired key still works, so a fresh client learns expiresOn and throws locally
    // (the SDK's own rule, stricter than the service's: it applies to unwrap too).
    const expired = await kc.getKey("expiring");
    const local = await rejectionOf(h.cryptoClient(key.id!, APP).unwrapKey("RSA-OAEP-256", w.value));
    expect(local.statusCode).toBeUndefined();
    expect(local.message).toMatch(/^Key https:\/\/protected\.vault\.azure\.net:\d+\/keys\/expiring\/[0-9a-f]{32} expired at /);

    const remote = remoteOnly(expired, APP);
    expect(Buffer.from((await remote.unwrapKey("RSA-OAEP-256", w.value)).result).equals(w.dek)).toBe(true);
    const decrypted = await remoteOnly(expired, ADMIN).decrypt({ algorithm: "RSA-OAEP-256", ciphertext });
    expect(Buffer.from(decrypted.result).toString()).toBe("kept");
    const wrap = await rejectionOf(remote.wrapKey("RSA-OAEP-256", w.dek));
    expect(wrap.statusCode).toBe(403);
    expect(wrap.details?.error).toMatchObject({ code: "Forbidden", message: "Operation wrapKey is not allowed on an expired key.", innerError: { code: "KeyExpired" } });
    const encrypt = await rejectionOf(remoteOnly(expired, ADMIN).encrypt({ algorithm: "RSA-OAEP-256", plaintext: Buffer.from("new") }));
    expect(encrypt.details?.error).toMatchObject({ code: "Forbidden", message: "Operation encrypt is not allowed on an expired key.", innerError: { code: "KeyExpired" } });
  });

  it("a version not yet valid: the vault refuses wrap with 403 KeyNotYetValid and still unwraps", async () => {
    const key = await kc.createRsaKey("future");
    const w = await wrapped(key);
    const updated = await kc.updateKeyProperties("future", key.properties.version!, { notBefore: new Date(Date.now() + 3600_000) });
    const local = await rejectionOf(h.cryptoClient(key.id!, APP).wrapKey("RSA-OAEP-256", randomBytes(32)));
    expect(local.message).toMatch(/can't be used before/);
    const current = await kc.getKey("future");
    expect(current.properties.notBefore?.getTime()).toBe(updated.properties.notBefore?.getTime());
    const remote = await rejectionOf(remoteOnly(current, APP).wrapKey("RSA-OAEP-256", randomBytes(32)));
    expect(remote.statusCode).toBe(403);
    expect(remote.details?.error).toMatchObject({ message: "Operation wrapKey is not allowed on a key that is not yet valid.", innerError: { code: "KeyNotYetValid" } });
    expect(Buffer.from((await remoteOnly(current, APP).unwrapKey("RSA-OAEP-256", w.value)).result).equals(w.dek)).toBe(true);
  });

  it("keyValidity \"refuse-all\": an expired version refuses unwrap too", async () => {
    const key = await kc.createRsaKey("strict-expiry");
    const w = await wrapped(key);
    const expired = await kc.updateKeyProperties("strict-expiry", key.properties.version!, { expiresOn: new Date(Date.now() - 1000) });
    await h.mgmt.setBehaviour({ keyValidity: "refuse-all" });
    try {
      const refused = await rejectionOf(remoteOnly(expired, APP).unwrapKey("RSA-OAEP-256", w.value));
      expect(refused.statusCode).toBe(403);
      expect(refused.details?.error?.innerError?.code).toBe("KeyExpired");
    } finally {
      await h.mgmt.setBehaviour({ keyValidity: "azure" });
    }
    expect(Buffer.from((await remoteOnly(expired, APP).unwrapKey("RSA-OAEP-256", w.value)).result).equals(w.dek)).toBe(true);
  });

  it("an operation missing from key_ops: 403 KeyOperationForbidden from the vault", async () => {
    const key = await kc.createRsaKey("wrap-only", { keyOps: ["wrapKey"] });
    const w = await wrapped(key);
    const local = await rejectionOf(h.cryptoClient(key.id!, APP).unwrapKey("RSA-OAEP-256", w.value));
    expect(local.message).toMatch(/Operation unwrapKey is not supported on key/);
    const remote = await rejectionOf(remoteOnly(key, APP).unwrapKey("RSA-OAEP-256", w.value));
    expect(remote.statusCode).toBe(403);
    expect(remote.details?.error?.innerError?.code).toBe("KeyOperationForbidden");
  });
});

describe("delete, recover, purge", () => {
  it("soft delete: the key answers 404, shows as deleted, blocks its name, and recovers intact", async () => {
    const key = await kc.createRsaKey("soft");
    const w = await wrapped(key);
    const deleted = await (await kc.beginDeleteKey("soft", { intervalInMs: 10 })).pollUntilDone();
    expect(deleted.properties.recoveryId).toBe(`${h.vault.vaultUrl("protected")}/deletedkeys/soft`);
    const days = (deleted.properties.scheduledPurgeDate!.getTime() - deleted.properties.deletedOn!.getTime()) / 86400_000;
    expect(days).toBe(90);

    const get = await rejectionOf(kc.getKey("soft"));
    expect(get.statusCode).toBe(404);
    expect(get.code).toBe("KeyNotFound");
    const unwrap = await rejectionOf(h.cryptoClient(key.id!, APP).unwrapKey("RSA-OAEP-256", w.value));
    expect(unwrap.statusCode).toBe(404);
    expect(unwrap.code).toBe("KeyNotFound");

    const got = await kc.getDeletedKey("soft");
    expect(got.properties.version).toBe(key.properties.version);
    const names: string[] = [];
    for await (const d of kc.listDeletedKeys()) names.push(d.name);
    expect(names).toContain("soft");

    const reuse = await rejectionOf(kc.createRsaKey("soft"));
    expect(reuse.statusCode).toBe(409);
    expect(reuse.code).toBe("Conflict");
    expect(reuse.details?.error?.innerError?.code).toBe("ObjectIsDeletedButRecoverable");

    const recovered = await (await kc.beginRecoverDeletedKey("soft", { intervalInMs: 10 })).pollUntilDone();
    expect(recovered.id).toBe(key.id);
    expect(Buffer.from((await h.cryptoClient(key.id!, APP).unwrapKey("RSA-OAEP-256", w.value)).result).equals(w.dek)).toBe(true);
    expect((await rejectionOf(kc.getDeletedKey("soft"))).statusCode).toBe(404);
  });

  it("purge is refused under purge protection", async () => {
    await kc.createRsaKey("protected-key");
    await (await kc.beginDeleteKey("protected-key", { intervalInMs: 10 })).pollUntilDone();
    const err = await rejectionOf(kc.purgeDeletedKey("protected-key"));
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe("Forbidden");
    expect(err.message).toMatch(/purge protection is enabled/);
    expect((await kc.getDeletedKey("protected-key")).name).toBe("protected-key");
  });

  it("purge is allowed without purge protection, and frees the name", async () => {
    const first = await open.createRsaKey("gone");
    const deleted = await (await open.beginDeleteKey("gone", { intervalInMs: 10 })).pollUntilDone();
    expect((deleted.properties.scheduledPurgeDate!.getTime() - deleted.properties.deletedOn!.getTime()) / 86400_000).toBe(7);
    await open.purgeDeletedKey("gone");
    expect((await rejectionOf(open.getDeletedKey("gone"))).statusCode).toBe(404);
    const again = await open.createRsaKey("gone");
    expect(again.properties.version).not.toBe(first.properties.version);
  });

  it("without soft delete a delete removes the key at once", async () => {
    const key = await plain.createRsaKey("hard");
    expect(key.properties.recoveryLevel).toBe("Purgeable");
    expect(key.properties.recoverableDays).toBeUndefined();
    const deleted = await (await plain.beginDeleteKey("hard", { intervalInMs: 10 })).pollUntilDone();
    expect(deleted.properties.recoveryId).toBeUndefined();
    expect((await rejectionOf(plain.getKey("hard"))).statusCode).toBe(404);
    expect((await rejectionOf(plain.getDeletedKey("hard"))).statusCode).toBe(404);
    await plain.createRsaKey("hard");
  });
});

describe("vault properties", () => {
  it("sets recoveryLevel and recoverableDays on keys as Azure does", async () => {
    const cases: Array<[Record<string, unknown>, string, number | undefined]> = [
      [{ softDelete: false }, "Purgeable", undefined],
      [{ softDelete: true, purgeProtection: false, retentionDays: 90 }, "Recoverable+Purgeable", 90],
      [{ softDelete: true, purgeProtection: true, retentionDays: 90 }, "Recoverable", 90],
      [{ softDelete: true, purgeProtection: false, retentionDays: 30 }, "CustomizedRecoverable+Purgeable", 30],
      [{ softDelete: true, purgeProtection: true, retentionDays: 7 }, "CustomizedRecoverable", 7],
    ];
    for (const [i, [props, level, days]] of cases.entries()) {
      const v = await h.mgmt.putVault(`levels${i}`, props);
      expect(v.properties.recoveryLevel).toBe(level);
      await h.mgmt.putRoleAssignment(`levels${i}`, { principalId: ADMIN, roleDefinitionName: "Key Vault Administrator", scope: v.id });
      const key = await h.keyClient(`levels${i}`, ADMIN).createRsaKey("k");
      expect(key.properties.recoveryLevel).toBe(level);
      expect(key.properties.recoverableDays).toBe(days);
    }
  });

  it("keeps Azure's one-way switches and validates input", async () => {
    const created = await h.mgmt.request("PUT", "/vaults/oneway", { purgeProtection: true });
    expect(created.status).toBe(201);
    expect((await h.mgmt.request("PUT", "/vaults/oneway", { purgeProtection: true })).status).toBe(200);
    expect((await h.mgmt.request("PUT", "/vaults/oneway", { purgeProtection: false })).status).toBe(400);
    expect((await h.mgmt.request("PUT", "/vaults/oneway", { softDelete: false })).status).toBe(400);
    expect((await h.mgmt.request("PUT", "/vaults/oneway", { kind: "managedHsm" })).status).toBe(409);
    expect((await h.mgmt.request("PUT", "/vaults/x", {})).status).toBe(400);
    expect((await h.mgmt.request("PUT", "/vaults/ok-name", { retentionDays: 3 })).status).toBe(400);
    expect((await h.mgmt.request("PUT", "/vaults/ok-name", { softDelete: false, purgeProtection: true })).status).toBe(400);
    const v = await h.mgmt.putVault("custom", { subscriptionId: "11111111-2222-3333-4444-555555555555", resourceGroup: "rg-cmk" });
    expect(v.id).toBe("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-cmk/providers/Microsoft.KeyVault/vaults/custom");
    expect(v.vaultUri).toBe(`https://custom.vault.azure.net:${h.vault.port}`);
  });
});
