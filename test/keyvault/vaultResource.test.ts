import { describe, expect, it } from "vitest";
import { KeywardError } from "../../shared/errors";
import { readSettings } from "../../shared/settings";
import {
  isValidVaultName, isVaultHost, isVersionedKeyId, keyIdFor, normaliseVaultUrl, parseKeyId, parseVaultResourceId,
  sameVaultResource, vaultUrlFor,
} from "../../shared/keyvault/vaultResource";

const SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
const azure = readSettings({});
const local = readSettings({
  KEYWARD_VAULT_URL_TEMPLATE: "https://{vault}.vault.azure.net:8443",
  KEYWARD_MANAGED_HSM_URL_TEMPLATE: "https://{vault}.managedhsm.azure.net:8443",
});

function code(fn: () => unknown): string {
  try { fn(); } catch (e) { expect(e).toBeInstanceOf(KeywardError); return (e as KeywardError).code; }
  throw new Error("expected a throw");
}

describe("vault ARM ids", () => {
  it("parses a vault and a managed HSM id, canonicalising segment case", () => {
    const v = parseVaultResourceId(`/subscriptions/${SUB.toUpperCase()}/resourcegroups/rg-Keys/providers/microsoft.keyvault/VAULTS/contoso-kv1`);
    expect(v).toEqual({
      kind: "vault", subscriptionId: SUB, resourceGroup: "rg-Keys", name: "contoso-kv1",
      id: `/subscriptions/${SUB}/resourceGroups/rg-Keys/providers/Microsoft.KeyVault/vaults/contoso-kv1`,
    });
    const h = parseVaultResourceId(`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/managedHSMs/hsm1`);
    expect(h.kind).toBe("managedHsm");
    expect(h.id).toBe(`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/managedHSMs/hsm1`);
    expect(sameVaultResource(v.id, v.id.toUpperCase().replace("SUBSCRIPTIONS", "subscriptions"))).toBe(true);
  });

  it.each([
    ["not an id", "kv"],
    ["wrong provider", `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/vaults/kv1`],
    ["wrong type", `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/secrets/kv1`],
    ["bad guid", `/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1`],
    ["extra segment", `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1/keys/k`],
    ["bad rg", `/subscriptions/${SUB}/resourceGroups/rg./providers/Microsoft.KeyVault/vaults/kv1`],
    ["name too short", `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv`],
    ["name starts with digit", `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/1kv`],
    ["double hyphen", `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/a--b`],
  ])("rejects %s", (_why, id) => {
    expect(code(() => parseVaultResourceId(id))).toBe("InvalidKeyVaultId");
  });

  it("applies Azure's vault name rules", () => {
    expect(isValidVaultName("abc")).toBe(true);
    expect(isValidVaultName("a".repeat(24))).toBe(true);
    expect(isValidVaultName("a".repeat(25))).toBe(false);
    expect(isValidVaultName("ab")).toBe(false);
    expect(isValidVaultName("a-b-c")).toBe(true);
    expect(isValidVaultName("a--bc")).toBe(false);
    expect(isValidVaultName("abc-")).toBe(false);
    expect(isValidVaultName("ab_c")).toBe(false);
    expect(isValidVaultName("-abc")).toBe(false);
  });
});

describe("vault URLs", () => {
  it("builds URLs from the templates, lowercasing the host", () => {
    expect(vaultUrlFor({ kind: "vault", name: "Contoso-KV" }, azure)).toBe("https://contoso-kv.vault.azure.net");
    expect(vaultUrlFor({ kind: "managedHsm", name: "hsm1" }, azure)).toBe("https://hsm1.managedhsm.azure.net");
    expect(vaultUrlFor({ kind: "vault", name: "kv1" }, local)).toBe("https://kv1.vault.azure.net:8443");
    expect(code(() => vaultUrlFor({ kind: "vault", name: "k" }, azure))).toBe("InvalidKeyVaultName");
  });

  it("normalises and refuses non-https or pathful URLs", () => {
    expect(normaliseVaultUrl("https://KV1.vault.azure.net/")).toBe("https://kv1.vault.azure.net");
    expect(code(() => normaliseVaultUrl("http://kv1.vault.azure.net"))).toBe("InvalidKeyVaultUrl");
    expect(code(() => normaliseVaultUrl("https://kv1.vault.azure.net/keys"))).toBe("InvalidKeyVaultUrl");
  });

  it("knows vault hosts", () => {
    expect(isVaultHost("kv1.vault.azure.net", azure)).toBe(true);
    expect(isVaultHost("hsm.managedhsm.azure.net", azure)).toBe(true);
    expect(isVaultHost("vault.azure.net", azure)).toBe(false);
    expect(isVaultHost("login.microsoftonline.com", azure)).toBe(false);
    const gov = readSettings({ KEYWARD_VAULT_URL_TEMPLATE: "https://{vault}.vault.usgovcloudapi.net" });
    expect(isVaultHost("kv1.vault.usgovcloudapi.net", gov)).toBe(true);
  });
});

describe("key ids", () => {
  it("parses versioned and versionless key ids, with or without a port", () => {
    const v = parseKeyId("https://KV1.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef", azure);
    expect(v).toEqual({
      vaultUrl: "https://kv1.vault.azure.net", name: "cmk", version: "0123456789abcdef0123456789abcdef",
      versionlessId: "https://kv1.vault.azure.net/keys/cmk", id: "https://kv1.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef",
    });
    const l = parseKeyId("https://kv1.vault.azure.net:8443/keys/cmk", local);
    expect(l.version).toBeUndefined();
    expect(l.vaultUrl).toBe("https://kv1.vault.azure.net:8443");
    expect(parseKeyId("https://kv1.vault.azure.net/keys/cmk/", azure).version).toBeUndefined();
  });

  it.each([
    ["http", "http://kv1.vault.azure.net/keys/cmk/abc"],
    ["not a vault host", "https://evil.example.com/keys/cmk/abc"],
    ["secrets", "https://kv1.vault.azure.net/secrets/cmk/abc"],
    ["too deep", "https://kv1.vault.azure.net/keys/cmk/abc/def"],
    ["bad name", "https://kv1.vault.azure.net/keys/c_m_k/abc"],
    ["query", "https://kv1.vault.azure.net/keys/cmk/abc?x=1"],
    ["garbage", "not a url"],
  ])("rejects %s", (_why, id) => {
    expect(code(() => parseKeyId(id, azure))).toBe("InvalidKeyId");
  });

  it("tells versioned from versionless ids and never throws doing so", () => {
    expect(isVersionedKeyId("https://kv1.vault.azure.net/keys/cmk/abc123", azure)).toBe(true);
    expect(isVersionedKeyId("https://kv1.vault.azure.net/keys/cmk", azure)).toBe(false);
    expect(isVersionedKeyId("nonsense", azure)).toBe(false);
    expect(keyIdFor("https://KV1.vault.azure.net", "cmk", "v1")).toBe("https://kv1.vault.azure.net/keys/cmk/v1");
  });
});
