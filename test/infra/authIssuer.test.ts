// The issuer infra/main.bicep deploys accepts every tenant's tokens, each only with its own tid in
// the issuer, and the authority host it deploys is its cloud's. The two settings' Bicep
// expressions are evaluated here for each cloud's environment().authentication.loginEndpoint (with
// its trailing slash, as ARM gives it), and the issuer is then handed to keyward's own token
// verifier, which checks tokens signed by a key served from a loopback JWKS endpoint.
import http from "node:http";
import path from "node:path";
import { generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT, exportJWK } from "jose";
import { BicepFile } from "./support/bicepFile";
import type { Token } from "./support/bicepTokens";
import { createTokenVerifier, TokenRejected } from "../../shared/auth/tokenVerifier";
import { authenticate } from "../../shared/http/auth";
import { KeywardError } from "../../shared/errors";
import { readSettings } from "../../shared/settings";

const MAIN = BicepFile.read(path.resolve(__dirname, "../../infra/main.bicep"));

/** environment().authentication.loginEndpoint of each cloud (ARM's values end in '/'). */
const CLOUDS: Record<string, string> = {
  AzureCloud: "https://login.microsoftonline.com/",
  AzureUSGovernment: "https://login.microsoftonline.us/",
  AzureChinaCloud: "https://login.chinacloudapi.cn/",
};
const LOGIN_ENDPOINT = "environment().authentication.loginEndpoint";

/** The value of an app setting, for one cloud: only loginEndpoint may be interpolated. */
function evaluate(tokens: Token[], loginEndpoint: string): string {
  const [value, ...rest] = tokens;
  if (value?.kind !== "string") {
    const text = tokens.map((t) => t.value).join("");
    return text === LOGIN_ENDPOINT ? loginEndpoint : unsupported(text);
  }
  const parts = value.value.split("${}");
  const text = rest.map((t) => t.value).join("");
  return text === LOGIN_ENDPOINT.repeat(parts.length - 1) ? parts.join(loginEndpoint) : unsupported(text);
}
function unsupported(text: string): never {
  throw new Error(`the setting's expression (${text}) is not one this test evaluates: teach test/infra/authIssuer.test.ts`);
}

const AUDIENCE = "00000000-aaaa-4bbb-8ccc-000000000001";
let key: { kid: string; privateKey: KeyObject };
let server: http.Server;
let jwksUri: string;

beforeAll(async () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  key = { kid: "infra-test", privateKey };
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: key.kid, use: "sig", alg: "RS256" }] });
  server = http.createServer((_req, res) => { res.writeHead(200, { "content-type": "application/json" }); res.end(jwks); });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  jwksUri = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/keys`;
});
afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

async function token(iss: string, tid: string): Promise<string> {
  return new SignJWT({ oid: randomUUID(), tid, roles: ["Keys.Admin"] }).setProtectedHeader({ alg: "RS256", kid: key.kid })
    .setIssuer(iss).setAudience(AUDIENCE).setIssuedAt().setExpirationTime("1h").sign(key.privateKey);
}

describe.each(Object.entries(CLOUDS))("infra/main.bicep in %s", (_cloud, loginEndpoint) => {
  const issuer = evaluate(MAIN.varObjectValue("appSettings", "KEYWARD_AUTH_ISSUER"), loginEndpoint);

  it("sets KEYWARD_AUTH_ISSUER to the cloud's multi-tenant v2.0 issuer template, not one tenant's", () => {
    expect(issuer).toBe(`${loginEndpoint}{tenantid}/v2.0`);
  });

  it("with that issuer, a token of any tenant verifies, as its own tenant, and only with its own tid in iss", async () => {
    const verify = createTokenVerifier({ issuer, audience: AUDIENCE, jwksUri });
    const tenants = [randomUUID(), randomUUID(), randomUUID()];
    for (const tid of tenants) {
      const caller = await verify(await token(issuer.replace("{tenantid}", tid), tid));
      expect(caller.tenantId).toBe(tid);
    }
    // iss naming another tenant than tid, the template itself, "common", or another cloud: 401.
    const [a, b] = tenants;
    const wrong = [
      await token(issuer.replace("{tenantid}", b), a),
      await token(issuer, a),
      await token(issuer.replace("{tenantid}", "common"), a),
      await token(`https://login.example.net/${a}/v2.0`, a),
    ];
    for (const t of wrong) {
      await expect(verify(t)).rejects.toBeInstanceOf(TokenRejected);
      const request = { headers: new Headers({ authorization: `Bearer ${t}` }) } as unknown as Parameters<typeof authenticate>[0];
      const err = await authenticate(request, verify).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(KeywardError);
      expect({ status: (err as KeywardError).status, code: (err as KeywardError).code }).toEqual({ status: 401, code: "InvalidToken" });
    }
  });

  it("sets KEYWARD_AUTHORITY_HOST to the cloud's login endpoint, which keyward reads without the trailing slash", () => {
    const value = evaluate(MAIN.varObjectValue("appSettings", "KEYWARD_AUTHORITY_HOST"), loginEndpoint);
    expect(value).toBe(loginEndpoint);
    expect(readSettings({ KEYWARD_AUTHORITY_HOST: value }).authorityHost).toBe(loginEndpoint.replace(/\/$/, ""));
  });
});
