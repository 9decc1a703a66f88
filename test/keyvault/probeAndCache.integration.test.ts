// The key probe's statuses and the DEK cache over real unwraps, against the local vault.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import type { VaultInfo } from "../../local/keyvault";
import { KeyAccessError } from "../../shared/keyvault/classify";
import { KeyVaultClientFactory } from "../../shared/keyvault/clientFactory";
import { DekCache } from "../../shared/keyvault/dekCache";
import { probeKey } from "../../shared/keyvault/keyProbe";
import type { VaultRetryPolicy } from "../../shared/keyvault/retry";
import { parseKeyId } from "../../shared/keyvault/vaultResource";
import { wrapperForLatestVersion } from "../../shared/keyvault/vaultKeyWrapper";
import {
  adminKeys, createCmk, createVault, grantPolicy, lastSeq, newIdentity, requestsSince, startVaultFixture, type VaultFixture,
} from "./support/localVault";

let f: VaultFixture;
let kv: VaultInfo;
const fastRetry: Partial<VaultRetryPolicy> = { baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 3 };

beforeAll(async () => {
  f = await startVaultFixture();
  kv = await createVault(f, "kv-probe");
});
afterAll(async () => f?.stop());

async function key(name: string, options: { expiresOn?: Date } = {}) {
  const identity = newIdentity();
  const keyId = await createCmk(f, kv, name, options);
  const assignment = await grantPolicy(f, kv, identity, name);
  return { identity, keyId, assignment, version: parseKeyId(keyId).version! };
}

const probe = (identity: ReturnType<typeof newIdentity>, name: string, vaultUrl = kv.vaultUri) =>
  probeKey(identity, vaultUrl, name, { clients: new KeyVaultClientFactory({ requestTimeoutMs: 2000 }), retry: fastRetry });

describe("probeKey", () => {
  it("Healthy: get, wrap and unwrap as the identity, reporting the version and expiry", async () => {
    const expiresOn = new Date(Date.now() + 30 * 86_400_000);
    const { identity, keyId } = await key("p-ok", { expiresOn });
    const seq = await lastSeq(f);
    const r = await probe(identity, "p-ok");
    expect(r).toMatchObject({ keyId, status: "Healthy" });
    expect(r.vaultCode).toBeUndefined();
    expect(r.expiresOn?.getTime()).toBe(Math.floor(expiresOn.getTime() / 1000) * 1000);
    expect(Date.now() - r.checkedAt.getTime()).toBeLessThan(10_000);
    const ops = (await requestsSince(f, seq)).filter((x) => x.principal === identity.principalId && x.status === 200).map((x) => x.operation);
    expect(ops).toEqual(expect.arrayContaining(["get", "wrapKey", "unwrapKey"]));
  });

  it("Forbidden when the role assignment is revoked, Healthy again when restored", async () => {
    const { identity, assignment } = await key("p-revoked");
    await f.mgmt.deleteRoleAssignment(assignment);
    expect(await probe(identity, "p-revoked")).toMatchObject({ status: "Forbidden", vaultCode: "ForbiddenByRbac", errorKind: "AccessLost" });
    await grantPolicy(f, kv, identity, "p-revoked");
    expect((await probe(identity, "p-revoked")).status).toBe("Healthy");
  });

  it("Disabled when the current version is disabled", async () => {
    const { identity, version } = await key("p-disabled");
    await adminKeys(f, kv).updateKeyProperties("p-disabled", version, { enabled: false });
    expect(await probe(identity, "p-disabled")).toMatchObject({ status: "Disabled", vaultCode: "KeyDisabled", errorKind: "AccessLost" });
  });

  it("Expired when the current version has expired, with its expiry", async () => {
    const { identity, version } = await key("p-expired");
    const past = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    await adminKeys(f, kv).updateKeyProperties("p-expired", version, { expiresOn: past });
    const r = await probe(identity, "p-expired");
    expect(r).toMatchObject({ status: "Expired", vaultCode: "KeyExpired", errorKind: "AccessLost" });
    expect(r.expiresOn?.getTime()).toBe(past.getTime());
  });

  it("NotFound for a deleted key, a missing key and an unknown vault", async () => {
    const { identity } = await key("p-deleted");
    await (await adminKeys(f, kv).beginDeleteKey("p-deleted", { intervalInMs: 20 })).pollUntilDone();
    expect(await probe(identity, "p-deleted")).toMatchObject({ status: "NotFound", errorKind: "AccessLost" });
    await grantPolicy(f, kv, identity);
    expect(await probe(identity, "p-never-existed")).toMatchObject({ status: "NotFound", vaultCode: "KeyNotFound" });
    expect(await probe(identity, "k", `https://no-such-vault.vault.azure.net:${f.vault.port}`)).toMatchObject({ status: "NotFound", vaultCode: "ENOTFOUND" });
  });

  it("Unreachable after retries when the vault keeps failing; a single blip is retried away", async () => {
    const { identity } = await key("p-flaky");
    await f.mgmt.putFault("p-flaky-once", { vault: "kv-probe", key: "p-flaky", operation: "wrapKey", status: 503, count: 1 });
    expect((await probe(identity, "p-flaky")).status).toBe("Healthy");
    await f.mgmt.putFault("p-flaky", { vault: "kv-probe", key: "p-flaky", operation: "unwrapKey", status: 503 });
    expect(await probe(identity, "p-flaky")).toMatchObject({ status: "Unreachable", vaultCode: "ServiceUnavailable", errorKind: "Transient" });
    await f.mgmt.putFault("p-flaky", { vault: "kv-probe", key: "p-flaky", operation: "get", status: 429 });
    expect(await probe(identity, "p-flaky")).toMatchObject({ status: "Unreachable", vaultCode: "Throttled" });
    await f.mgmt.putFault("p-flaky", { vault: "kv-probe", key: "p-flaky", operation: "*", drop: true });
    expect(await probe(identity, "p-flaky")).toMatchObject({ status: "Unreachable", vaultCode: "ECONNRESET" });
    await f.mgmt.deleteFault("p-flaky");
  });
});

describe("DEK cache over real unwraps", () => {
  it("a thousand concurrent reads of one DEK cause one vault unwrap", async () => {
    const { identity } = await key("c-one");
    const wrapper = await wrapperForLatestVersion(identity, kv.vaultUri, "c-one", { retry: fastRetry });
    const secret = new Uint8Array(randomBytes(32));
    const wrapped = await wrapper.wrap(secret);
    const cache = new DekCache({ ttlMs: 60_000 });
    const seq = await lastSeq(f);
    const reads = await Promise.all(Array.from({ length: 1000 }, () =>
      cache.getOrLoad({ scope: "env-1", dekId: "dek-1" }, { vaultUrl: kv.vaultUri, keyId: wrapped.keyId }, () => wrapper.unwrap(wrapped))));
    for (const r of reads) expect(r).toEqual(secret);
    expect(await requestsSince(f, seq, "unwrapKey")).toHaveLength(1);
  });

  it("after the TTL the next read unwraps again, and a revocation then bites", async () => {
    let now = 0;
    const { identity, assignment } = await key("c-ttl");
    const wrapper = await wrapperForLatestVersion(identity, kv.vaultUri, "c-ttl", { retry: fastRetry });
    const wrapped = await wrapper.wrap(new Uint8Array(randomBytes(32)));
    const cache = new DekCache({ ttlMs: 5_000, now: () => now });
    const read = () => cache.getOrLoad("env-2/dek-1", { vaultUrl: kv.vaultUri, keyId: wrapped.keyId }, () => wrapper.unwrap(wrapped));
    const seq = await lastSeq(f);
    await read();
    await f.mgmt.deleteRoleAssignment(assignment);
    now += 4_999;
    await read(); // still cached: the revocation has not bitten yet
    expect(await requestsSince(f, seq, "unwrapKey")).toHaveLength(1);
    now += 1;
    const err = await read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyAccessError);
    expect(err).toMatchObject({ kind: "AccessLost", vaultCode: "ForbiddenByRbac" });
    expect(cache.size).toBe(0); // the failure is not cached
  });

  it("purging by key forces the next read back to the vault", async () => {
    const { identity } = await key("c-purge");
    const wrapper = await wrapperForLatestVersion(identity, kv.vaultUri, "c-purge", { retry: fastRetry });
    const wrapped = await wrapper.wrap(new Uint8Array(randomBytes(32)));
    const cache = new DekCache({ ttlMs: 60_000 });
    const read = () => cache.getOrLoad({ scope: "env-3", dekId: "d" }, { vaultUrl: kv.vaultUri, keyId: wrapped.keyId }, () => wrapper.unwrap(wrapped));
    const seq = await lastSeq(f);
    await read();
    await read();
    expect(cache.purgeByKey(wrapper.keyName)).toBe(1);
    await read();
    expect(cache.purgeByVault(kv.vaultUri)).toBe(1);
    await read();
    expect(await requestsSince(f, seq, "unwrapKey")).toHaveLength(3);
  });
});
