// The key access layer against the local vault through the real SDKs: round trips, the key
// rules, and every row of the error classification, produced by the vault itself.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import type { VaultInfo } from "../../local/keyvault";
import { KeyAccessError } from "../../shared/keyvault/classify";
import { KeyVaultClientFactory } from "../../shared/keyvault/clientFactory";
import type { KeyVaultIdentity } from "../../shared/keyvault/credentials";
import { cmkViolations, inspectKey } from "../../shared/keyvault/keyInspector";
import type { VaultRetryPolicy } from "../../shared/keyvault/retry";
import { parseKeyId } from "../../shared/keyvault/vaultResource";
import { VaultKeyWrapper, wrapperForLatestVersion } from "../../shared/keyvault/vaultKeyWrapper";
import { probeKey } from "../../shared/keyvault/keyProbe";
import {
  adminKeys, createCmk, createVault, grantPolicy, lastSeq, newIdentity, requestsSince, startVaultFixture, type VaultFixture,
} from "./support/localVault";

let f: VaultFixture;
let kv: VaultInfo;
const fastRetry: Partial<VaultRetryPolicy> = { baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 3 };

beforeAll(async () => {
  f = await startVaultFixture();
  kv = await createVault(f, "kv-access");
});
afterAll(async () => f?.stop());

const dek = () => new Uint8Array(randomBytes(32));

async function failure(p: Promise<unknown>): Promise<KeyAccessError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(KeyAccessError);
  return err as KeyAccessError;
}

/** A key with its own policy identity and a wrapper pinned to its current version. */
async function setup(name: string, options: { vault?: VaultInfo; keySize?: number; hsm?: boolean; clients?: KeyVaultClientFactory; retry?: Partial<VaultRetryPolicy> } = {}) {
  const vault = options.vault ?? kv;
  const identity = newIdentity();
  const keyId = await createCmk(f, vault, name, options);
  const assignment = await grantPolicy(f, vault, identity, name);
  const clients = options.clients ?? new KeyVaultClientFactory();
  const wrapper = await wrapperForLatestVersion(identity, vault.vaultUri, name, { clients, retry: options.retry ?? fastRetry });
  return { vault, identity, keyId, assignment, clients, wrapper };
}

describe("round trips", () => {
  it.each([
    ["RSA", 2048, false], ["RSA", 3072, false], ["RSA-HSM", 2048, true], ["RSA-HSM", 3072, true],
  ] as const)("%s %i: inspect, wrap through the vault, unwrap", async (keyType, keySize, hsm) => {
    const name = `rt-${keyType.toLowerCase()}-${keySize}`;
    const { identity, keyId, wrapper } = await setup(name, { keySize, hsm });
    const info = await inspectKey(identity, kv.vaultUri, name, { includeVersions: true });
    expect(info).toMatchObject({ versionedKeyId: keyId, keyType, keySize, enabled: true, recoveryLevel: "Recoverable" });
    expect(info.versions).toHaveLength(1);
    expect(cmkViolations(info)).toEqual([]);

    const secret = dek();
    const seq = await lastSeq(f);
    const wrapped = await wrapper.wrap(secret);
    expect(wrapped).toMatchObject({ keyId, algorithm: "RSA-OAEP-256" });
    expect(wrapped.wrapped.length).toBe(keySize / 8);
    expect(parseKeyId(wrapped.keyId).version).toBeDefined();
    expect(wrapper.keyName).toBe(parseKeyId(keyId).versionlessId);
    expect(await wrapper.unwrap(wrapped)).toEqual(secret);
    // Both operations went to the vault, as the policy identity: nothing was done locally.
    const log = await requestsSince(f, seq);
    expect(log.filter((r) => r.operation === "wrapKey" && r.status === 200)).toHaveLength(1);
    expect(log.filter((r) => r.operation === "unwrapKey" && r.status === 200)).toHaveLength(1);
    expect(new Set(log.filter((r) => r.operation.endsWith("Key")).map((r) => r.principal))).toEqual(new Set([identity.principalId]));
  });

  it("a managed HSM key round-trips too", async () => {
    const hsm = await createVault(f, "hsm-access", { kind: "managedHsm" });
    const { wrapper, keyId } = await setup("hsm-cmk", { vault: hsm, keySize: 3072, hsm: true });
    expect(keyId).toMatch(/^https:\/\/hsm-access\.managedhsm\.azure\.net:\d+\/keys\/hsm-cmk\//);
    const secret = dek();
    expect(await wrapper.unwrap(await wrapper.wrap(secret))).toEqual(secret);
  });

  it("a 4096-bit key works but breaks the CMK rules", async () => {
    const { identity, wrapper } = await setup("rt-4096", { keySize: 4096 });
    const info = await inspectKey(identity, kv.vaultUri, "rt-4096");
    expect(info.keySize).toBe(4096);
    expect(cmkViolations(info).map((v) => v.code)).toEqual(["KeySizeNotSupported"]);
    const secret = dek();
    expect(await wrapper.unwrap(await wrapper.wrap(secret))).toEqual(secret);
  });

  it("reads soft delete and purge protection from the vault", async () => {
    const noPurge = await createVault(f, "kv-nopurge", { purgeProtection: false });
    const noSoft = await createVault(f, "kv-nosoft", { softDelete: false, purgeProtection: false });
    for (const [vault, code] of [[noPurge, "PurgeProtectionRequired"], [noSoft, "SoftDeleteRequired"]] as const) {
      const identity = newIdentity();
      await createCmk(f, vault, "k1");
      await grantPolicy(f, vault, identity);
      expect(cmkViolations(await inspectKey(identity, vault.vaultUri, "k1")).map((v) => v.code)).toEqual([code]);
    }
  });

  it("wraps with the pinned version after a rotation, and unwraps DEKs of either version", async () => {
    const { identity, wrapper, keyId } = await setup("rt-rotate");
    const old = await wrapper.wrap(dek());
    const rotated = await adminKeys(f, kv).rotateKey("rt-rotate");
    expect(rotated.id).not.toBe(keyId);
    expect((await wrapper.wrap(dek())).keyId).toBe(keyId);
    const latest = await wrapperForLatestVersion(identity, kv.vaultUri, "rt-rotate", { retry: fastRetry });
    expect(latest.keyId).toBe(rotated.id);
    const fresh = dek();
    const wrappedNew = await latest.wrap(fresh);
    expect(await wrapper.unwrap(wrappedNew)).toEqual(fresh);
    expect((await latest.unwrap(old)).length).toBe(32);
  });
});

describe("wrong keys and tampering", () => {
  it("refuses a versionless key id, and a DEK wrapped by another key", async () => {
    const a = await setup("wrong-a");
    const b = await setup("wrong-b");
    expect(() => new VaultKeyWrapper(a.identity, parseKeyId(a.keyId).versionlessId)).toThrow(/versioned/);
    const wrapped = await a.wrapper.wrap(dek());
    await expect(b.wrapper.unwrap(wrapped)).rejects.toThrow(/does not belong/);
    await expect(a.wrapper.unwrap({ ...wrapped, keyId: parseKeyId(wrapped.keyId).versionlessId })).rejects.toThrow(/versioned/);
    await expect(a.wrapper.unwrap({ ...wrapped, algorithm: "RSA-OAEP" as never })).rejects.toThrow(/RSA-OAEP-256/);
    await expect(a.wrapper.wrap(new Uint8Array(16))).rejects.toThrow(/32 bytes/);
  });

  it("a tampered wrapped DEK, or one claiming another version, fails at the vault (not retried)", async () => {
    const { wrapper, keyId } = await setup("tamper");
    const wrapped = await wrapper.wrap(dek());
    const bytes = new Uint8Array(wrapped.wrapped);
    bytes[10] ^= 0xff;
    const seq = await lastSeq(f);
    const err = await failure(wrapper.unwrap({ ...wrapped, wrapped: bytes }));
    expect(err).toMatchObject({ kind: "Misconfigured", vaultCode: "BadParameter", statusCode: 400, keyId });
    expect(await requestsSince(f, seq, "unwrapKey")).toHaveLength(1);
    const rotated = await adminKeys(f, kv).rotateKey("tamper");
    const other = await failure(wrapper.unwrap({ ...wrapped, keyId: rotated.id! }));
    expect(other.kind).toBe("Misconfigured");
    const missing = await failure(wrapper.unwrap({ ...wrapped, keyId: `${parseKeyId(keyId).versionlessId}/00000000000000000000000000000000` }));
    expect(missing).toMatchObject({ kind: "AccessLost", vaultCode: "KeyNotFound", statusCode: 404 });
  });
});

describe("classification, as the vault answers", () => {
  it("revoked role assignment -> AccessLost / ForbiddenByRbac", async () => {
    const { wrapper, assignment } = await setup("cls-revoke");
    const wrapped = await wrapper.wrap(dek());
    await f.mgmt.deleteRoleAssignment(assignment);
    const err = await failure(wrapper.unwrap(wrapped));
    expect(err).toMatchObject({ kind: "AccessLost", vaultCode: "ForbiddenByRbac", statusCode: 403, operation: "unwrapKey" });
    expect(err.message).toMatch(/Caller is not authorized/);
    expect(await failure(wrapper.wrap(dek()))).toMatchObject({ kind: "AccessLost", vaultCode: "ForbiddenByRbac" });
  });

  it("disabled key -> AccessLost / KeyDisabled; re-enabled works again", async () => {
    const { wrapper, keyId } = await setup("cls-disable");
    const wrapped = await wrapper.wrap(dek());
    await adminKeys(f, kv).updateKeyProperties("cls-disable", parseKeyId(keyId).version!, { enabled: false });
    expect(await failure(wrapper.unwrap(wrapped))).toMatchObject({ kind: "AccessLost", vaultCode: "KeyDisabled", statusCode: 403 });
    await adminKeys(f, kv).updateKeyProperties("cls-disable", parseKeyId(keyId).version!, { enabled: true });
    expect((await wrapper.unwrap(wrapped)).length).toBe(32);
  });

  it("deleted key -> AccessLost / KeyNotFound", async () => {
    const { wrapper } = await setup("cls-delete");
    const wrapped = await wrapper.wrap(dek());
    await (await adminKeys(f, kv).beginDeleteKey("cls-delete", { intervalInMs: 20 })).pollUntilDone();
    expect(await failure(wrapper.unwrap(wrapped))).toMatchObject({ kind: "AccessLost", vaultCode: "KeyNotFound", statusCode: 404 });
  });

  it("expired key: the vault still unwraps (as Azure does), keyward's probe says Expired, the SDK refuses locally once it sees it; extending it restores access", async () => {
    const { identity, wrapper, keyId } = await setup("cls-expire");
    const wrapped = await wrapper.wrap(dek());
    const version = parseKeyId(keyId).version!;
    await adminKeys(f, kv).updateKeyProperties("cls-expire", version, { expiresOn: new Date(Date.now() - 60_000) });
    // The wrapper's client fetched the key while it was valid: Azure unwraps outside the validity
    // window "to allow recovery operations", so the vault does too. Expiry is keyward's rule,
    // decided by its probe (which locks), not by the vault.
    const seq = await lastSeq(f);
    expect((await wrapper.unwrap(wrapped)).length).toBe(32);
    expect((await requestsSince(f, seq, "unwrapKey"))[0]).toMatchObject({ status: 200 });
    expect(await probeKey(identity, kv.vaultUri, "cls-expire", { retry: fastRetry })).toMatchObject({ status: "Expired" });
    // Wrapping under it is refused, as Azure refuses it.
    expect(await failure(wrapper.wrap(dek()))).toMatchObject({ kind: "AccessLost", vaultCode: "KeyExpired", statusCode: 403 });
    // A fresh client fetches the expired key and the SDK refuses before asking the vault.
    const fresh = new VaultKeyWrapper(identity, keyId, { clients: new KeyVaultClientFactory(), retry: fastRetry });
    const seq2 = await lastSeq(f);
    const sdk = await failure(fresh.unwrap(wrapped));
    expect(sdk).toMatchObject({ kind: "AccessLost", vaultCode: "KeyExpired" });
    expect(sdk.statusCode).toBeUndefined();
    expect(await requestsSince(f, seq2, "unwrapKey")).toHaveLength(0);
    // The customer extends the expiry: the stale client was evicted, so access comes back.
    await adminKeys(f, kv).updateKeyProperties("cls-expire", version, { expiresOn: new Date(Date.now() + 86_400_000) });
    expect((await fresh.unwrap(wrapped)).length).toBe(32);
    expect((await wrapper.unwrap(wrapped)).length).toBe(32);
    // And "latest" refuses an expired current version outright.
    await adminKeys(f, kv).updateKeyProperties("cls-expire", version, { expiresOn: new Date(Date.now() - 60_000) });
    expect(await failure(wrapperForLatestVersion(identity, kv.vaultUri, "cls-expire"))).toMatchObject({ kind: "AccessLost", vaultCode: "KeyExpired" });
  });

  it("unknown (deleted) vault host -> AccessLost / ENOTFOUND, as DNS answers in Azure", async () => {
    const identity = newIdentity();
    const ghost = `https://no-such-vault.vault.azure.net:${f.vault.port}/keys/k/0123456789abcdef0123456789abcdef`;
    const err = await failure(new VaultKeyWrapper(identity, ghost, { retry: fastRetry }).unwrap({ wrapped: new Uint8Array(256), keyId: ghost, algorithm: "RSA-OAEP-256" }));
    expect(err).toMatchObject({ kind: "AccessLost", vaultCode: "ENOTFOUND" });
    const gone = await createVault(f, "kv-gone");
    const { wrapper } = await setup("k", { vault: gone });
    const wrapped = await wrapper.wrap(dek());
    await f.mgmt.deleteVault("kv-gone");
    // A kept-alive connection reaches the server, which answers 404 VaultNotFound; a new one
    // fails to resolve. Either way: AccessLost.
    const lost = await failure(wrapper.unwrap(wrapped));
    expect(lost.kind).toBe("AccessLost");
    expect(["ENOTFOUND", "VaultNotFound"]).toContain(lost.vaultCode);
  });

  it("without the resolution check, the vault's own 404 VaultNotFound -> AccessLost", async () => {
    const saved = process.env.KEYWARD_LOCAL_VAULT_MANAGEMENT_URL;
    delete process.env.KEYWARD_LOCAL_VAULT_MANAGEMENT_URL;
    try {
      const ghost = `https://no-such-vault2.vault.azure.net:${f.vault.port}/keys/k/0123456789abcdef0123456789abcdef`;
      const err = await failure(new VaultKeyWrapper(newIdentity(), ghost, { clients: new KeyVaultClientFactory(), retry: fastRetry }).unwrap({ wrapped: new Uint8Array(256), keyId: ghost, algorithm: "RSA-OAEP-256" }));
      expect(err).toMatchObject({ kind: "AccessLost", vaultCode: "VaultNotFound", statusCode: 404 });
    } finally {
      process.env.KEYWARD_LOCAL_VAULT_MANAGEMENT_URL = saved;
    }
  });

  describe("transient faults", () => {
    async function faulted(name: string, fault: Record<string, unknown>, retry: Partial<VaultRetryPolicy> = fastRetry, clients?: KeyVaultClientFactory) {
      const s = await setup(name, { retry, clients });
      const wrapped = await s.wrapper.wrap(dek());
      await f.mgmt.putFault(`f-${name}`, { vault: "kv-access", key: name, operation: "unwrapKey", ...fault });
      return { ...s, wrapped, seq: await lastSeq(f) };
    }

    it("429 with Retry-After: waits as told and succeeds", async () => {
      const delays: number[] = [];
      const { wrapper, wrapped, seq } = await faulted("tr-429ra", { status: 429, retryAfterSeconds: 1, count: 1 }, { ...fastRetry, onRetry: ({ delayMs }) => delays.push(delayMs) });
      const started = Date.now();
      expect((await wrapper.unwrap(wrapped)).length).toBe(32);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(delays).toHaveLength(1);
      expect(delays[0]).toBeGreaterThanOrEqual(1000);
      expect((await requestsSince(f, seq, "unwrapKey")).map((r) => r.status)).toEqual([429, 200]);
    });

    it("429 without Retry-After: backs off and succeeds (the SDK alone would not retry)", async () => {
      const { wrapper, wrapped, seq } = await faulted("tr-429", { status: 429, count: 2 });
      expect((await wrapper.unwrap(wrapped)).length).toBe(32);
      expect((await requestsSince(f, seq, "unwrapKey")).map((r) => r.status)).toEqual([429, 429, 200]);
    });

    it("persistent 429 -> Transient / Throttled after a bounded number of attempts, never AccessLost", async () => {
      const { wrapper, wrapped, seq } = await faulted("tr-429x", { status: 429, retryAfterSeconds: 0 });
      const err = await failure(wrapper.unwrap(wrapped));
      expect(err).toMatchObject({ kind: "Transient", vaultCode: "Throttled", statusCode: 429, retryAfterMs: 0 });
      expect(await requestsSince(f, seq, "unwrapKey")).toHaveLength(3);
    });

    it("a Retry-After beyond the cap ends the retries at once, keeping the hint", async () => {
      const { wrapper, wrapped, seq } = await faulted("tr-429long", { status: 429, retryAfterSeconds: 600 });
      const err = await failure(wrapper.unwrap(wrapped));
      expect(err).toMatchObject({ kind: "Transient", vaultCode: "Throttled", retryAfterMs: 600_000 });
      expect(await requestsSince(f, seq, "unwrapKey")).toHaveLength(1);
    });

    it.each([[500, "InternalServerError"], [502, "BadGateway"], [503, "ServiceUnavailable"], [504, "GatewayTimeout"]])("%i once: retried and succeeds; persistent: Transient / %s", async (status, code) => {
      const once = await faulted(`tr-${status}`, { status, count: 1 });
      expect((await once.wrapper.unwrap(once.wrapped)).length).toBe(32);
      await f.mgmt.putFault(`f-tr-${status}`, { vault: "kv-access", key: `tr-${status}`, operation: "unwrapKey", status });
      expect(await failure(once.wrapper.unwrap(once.wrapped))).toMatchObject({ kind: "Transient", vaultCode: code, statusCode: status });
      await f.mgmt.deleteFault(`f-tr-${status}`);
    });

    it("dropped connection once: retried and succeeds; persistent: Transient / ECONNRESET", async () => {
      const { wrapper, wrapped, seq } = await faulted("tr-drop", { drop: true, count: 1 });
      expect((await wrapper.unwrap(wrapped)).length).toBe(32);
      expect((await requestsSince(f, seq, "unwrapKey")).map((r) => r.status)).toEqual([0, 200]);
      await f.mgmt.putFault("f-tr-drop", { vault: "kv-access", key: "tr-drop", operation: "unwrapKey", drop: true });
      expect(await failure(wrapper.unwrap(wrapped))).toMatchObject({ kind: "Transient", vaultCode: "ECONNRESET" });
    });

    it("a slow vault times out: retried and succeeds; persistent: Transient / Timeout", async () => {
      const clients = new KeyVaultClientFactory({ requestTimeoutMs: 300 });
      const { wrapper, wrapped } = await faulted("tr-slow", { latencyMs: 1500, count: 1 }, fastRetry, clients);
      expect((await wrapper.unwrap(wrapped)).length).toBe(32);
      await f.mgmt.putFault("f-tr-slow", { vault: "kv-access", key: "tr-slow", operation: "unwrapKey", latencyMs: 1500 });
      expect(await failure(wrapper.unwrap(wrapped))).toMatchObject({ kind: "Transient", vaultCode: "Timeout" });
    });

    it("a vault that is down -> Transient / ECONNREFUSED", async () => {
      // A key id on a port nothing listens on (the agent resolves the host to loopback).
      const net = await import("node:net");
      const probe = net.createServer();
      await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
      const port = (probe.address() as { port: number }).port;
      await new Promise<void>((r) => probe.close(() => r()));
      const saved = process.env.KEYWARD_LOCAL_VAULT_MANAGEMENT_URL;
      delete process.env.KEYWARD_LOCAL_VAULT_MANAGEMENT_URL;
      try {
        const kid = `https://kv-access.vault.azure.net:${port}/keys/k/0123456789abcdef0123456789abcdef`;
        process.env.KEYWARD_VAULT_URL_TEMPLATE = `https://{vault}.vault.azure.net:${port}`;
        const err = await failure(new VaultKeyWrapper(newIdentity(), kid, { clients: new KeyVaultClientFactory(), retry: fastRetry }).unwrap({ wrapped: new Uint8Array(256), keyId: kid, algorithm: "RSA-OAEP-256" }));
        expect(err).toMatchObject({ kind: "Transient", vaultCode: "ECONNREFUSED" });
      } finally {
        process.env.KEYWARD_LOCAL_VAULT_MANAGEMENT_URL = saved;
        process.env.KEYWARD_VAULT_URL_TEMPLATE = f.vault.urlTemplate;
      }
    });
  });

  it("a key without unwrapKey permission is refused as Misconfigured before use", async () => {
    const identity = newIdentity();
    await adminKeys(f, kv).createRsaKey("cls-ops", { keySize: 2048, keyOps: ["encrypt", "decrypt"] });
    await grantPolicy(f, kv, identity, "cls-ops");
    expect(await failure(wrapperForLatestVersion(identity, kv.vaultUri, "cls-ops"))).toMatchObject({ kind: "Misconfigured", vaultCode: "KeyOperationsMissing" });
    expect(cmkViolations(await inspectKey(identity, kv.vaultUri, "cls-ops")).map((v) => v.code)).toEqual(["KeyOperationsMissing"]);
  });
});
