import { describe, expect, it } from "vitest";
import type { LookupFunction } from "node:net";
import { keyVaultClientOptions, localVaultManagementUrl, loopbackVaultAgent } from "../../shared/keyvault/transport";

function lookupOf(agent: ReturnType<typeof loopbackVaultAgent>): LookupFunction {
  return (agent as unknown as { options: { lookup: LookupFunction } }).options.lookup;
}

function lookup(fn: LookupFunction, host: string, all: boolean): Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }> {
  return new Promise((resolve) => fn(host, { all } as never, ((err: NodeJS.ErrnoException | null, address: unknown, family?: number) => resolve({ err, address, family })) as never));
}

describe("loopback vault agent", () => {
  const known = new Set(["kv1.vault.azure.net", "hsm1.managedhsm.azure.net"]);
  const agent = loopbackVaultAgent({ caCertPem: "", resolve: async (h) => known.has(h) });

  it("resolves known vault and HSM hosts to 127.0.0.1, in both lookup shapes", async () => {
    expect(await lookup(lookupOf(agent), "kv1.vault.azure.net", false)).toEqual({ err: null, address: "127.0.0.1", family: 4 });
    expect(await lookup(lookupOf(agent), "hsm1.managedhsm.azure.net", true)).toMatchObject({ err: null, address: [{ address: "127.0.0.1", family: 4 }] });
  });

  it("fails an unknown vault host with ENOTFOUND, like DNS", async () => {
    const r = await lookup(lookupOf(agent), "gone.vault.azure.net", false);
    expect(r.err).toMatchObject({ code: "ENOTFOUND", syscall: "getaddrinfo", hostname: "gone.vault.azure.net" });
  });

  it("leaves other hosts to DNS", async () => {
    const r = await lookup(lookupOf(agent), "localhost", false);
    expect(r.err).toBeNull();
    expect(["127.0.0.1", "::1"]).toContain(r.address);
  });

  it("passes a failed existence check through as the error", async () => {
    const broken = loopbackVaultAgent({ caCertPem: "", resolve: async () => { throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }); } });
    expect((await lookup(lookupOf(broken), "kv1.vault.azure.net", false)).err).toMatchObject({ code: "ECONNREFUSED" });
  });
});

describe("client options", () => {
  it("turns SDK retries off, keeps challenge verification on, and adds no agent in Azure", () => {
    const saved = process.env.KEYWARD_VAULT_CA_CERT_PATH;
    delete process.env.KEYWARD_VAULT_CA_CERT_PATH;
    try {
      const o = keyVaultClientOptions({ requestTimeoutMs: 1234 });
      expect(o.retryOptions).toEqual({ maxRetries: 0 });
      expect(o.disableChallengeResourceVerification).toBe(false);
      expect(o.agent).toBeUndefined();
      expect(o.additionalPolicies.map((p) => p.policy.name)).toEqual(["keywardRequestTimeout", "keywardEmptyErrorBody"]);
      expect(keyVaultClientOptions()).not.toBe(keyVaultClientOptions()); // fresh per client: the SDK mutates it
    } finally {
      if (saved !== undefined) process.env.KEYWARD_VAULT_CA_CERT_PATH = saved;
    }
  });

  it("reads the local vault's management URL from KEYWARD_LOCAL_VAULT_MANAGEMENT_URL", () => {
    expect(localVaultManagementUrl({ KEYWARD_LOCAL_VAULT_MANAGEMENT_URL: "https://127.0.0.1:9/_local/" })).toBe("https://127.0.0.1:9/_local");
    expect(localVaultManagementUrl({})).toBe("");
  });
});
