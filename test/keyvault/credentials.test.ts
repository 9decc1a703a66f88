import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import { ManagedIdentityCredential } from "@azure/identity";
import { audienceFromScopes, credentialFor, LocalTokenCredential, LocalTokenError } from "../../shared/keyvault/credentials";
import { classifyKeyVaultError } from "../../shared/keyvault/classify";

// A token endpoint that records requests and answers like the local issuer.
let server: http.Server;
let endpoint = "";
const requests: Array<{ oid: string; audience: string }> = [];
let lifetime = 3600;
let status = 200;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      const parsed = JSON.parse(body) as { oid: string; audience: string };
      requests.push(parsed);
      res.writeHead(status, { "content-type": "application/json" });
      res.end(status === 200
        ? JSON.stringify({ access_token: `token-${requests.length}-${parsed.oid}-${parsed.audience}`, token_type: "Bearer", expires_on: Math.floor(Date.now() / 1000) + lifetime })
        : JSON.stringify({ error: "invalid_request" }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}/token`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("local credential", () => {
  it("derives the audience from the scope", () => {
    expect(audienceFromScopes("https://vault.azure.net/.default")).toBe("https://vault.azure.net");
    expect(audienceFromScopes(["https://managedhsm.azure.net/.default"])).toBe("https://managedhsm.azure.net");
    expect(() => audienceFromScopes([])).toThrow();
  });

  it("posts {oid, audience} and caches the token until shortly before it expires", async () => {
    requests.length = 0;
    let t = Date.now();
    const cred = new LocalTokenCredential("principal-1", endpoint, () => t);
    const [a, b] = await Promise.all([cred.getToken("https://vault.azure.net/.default"), cred.getToken("https://vault.azure.net/.default")]);
    expect(requests).toEqual([{ oid: "principal-1", audience: "https://vault.azure.net" }]);
    expect(a.token).toBe(b.token);
    expect(a.expiresOnTimestamp).toBeGreaterThan(t + 3_500_000);
    t += 54 * 60_000; // before the 5-minute refresh margin
    await cred.getToken("https://vault.azure.net/.default");
    expect(requests).toHaveLength(1);
    t += 2 * 60_000; // inside it
    await cred.getToken("https://vault.azure.net/.default");
    expect(requests).toHaveLength(2);
    await cred.getToken("https://managedhsm.azure.net/.default");
    expect(requests[2].audience).toBe("https://managedhsm.azure.net");
  });

  it("fails with a LocalTokenError classify.ts understands", async () => {
    status = 400;
    try {
      const err = await new LocalTokenCredential("p", endpoint).getToken("https://vault.azure.net/.default").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LocalTokenError);
      expect(classifyKeyVaultError(err).kind).toBe("Misconfigured");
    } finally {
      status = 200;
    }
    // A port nobody listens on (fetch refuses well-known ports like 1 outright).
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const down = await new LocalTokenCredential("p", `http://127.0.0.1:${port}/token`).getToken("https://vault.azure.net/.default").catch((e: unknown) => e);
    expect(classifyKeyVaultError(down)).toMatchObject({ kind: "Transient", vaultCode: "ECONNREFUSED" });
  });

  it("credentialFor picks by mode and shares one credential per identity", () => {
    const saved = { ...process.env };
    try {
      process.env.KEYWARD_IDENTITY_MODE = "local";
      process.env.KEYWARD_LOCAL_TOKEN_ENDPOINT = endpoint;
      const a = credentialFor({ principalId: "p1", clientId: "c1" });
      expect(a).toBeInstanceOf(LocalTokenCredential);
      expect(credentialFor({ principalId: "p1", clientId: "c1" })).toBe(a);
      expect(credentialFor({ principalId: "p2" })).not.toBe(a);
      process.env.KEYWARD_IDENTITY_MODE = "managedIdentity";
      expect(credentialFor({ principalId: "p1", clientId: "00000000-0000-0000-0000-000000000001" })).toBeInstanceOf(ManagedIdentityCredential);
      expect(() => credentialFor({ principalId: "" })).toThrow();
    } finally {
      process.env = saved;
    }
  });
});
