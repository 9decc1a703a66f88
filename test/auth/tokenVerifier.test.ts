import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { startLocalIssuer, type LocalIssuer } from "../../local/issuer";
import { createTokenVerifier, TokenRejected, type TokenVerifier } from "../../shared/auth/tokenVerifier";
import { authenticate } from "../../shared/http/auth";
import { KeywardError } from "../../shared/errors";

const AUDIENCE = "api://keyward-test";
let issuer: LocalIssuer;
let verify: TokenVerifier;

beforeAll(async () => {
  issuer = await startLocalIssuer();
  // Discovery path, as with Entra: only the issuer is configured.
  verify = createTokenVerifier({ issuer: issuer.issuer, audience: AUDIENCE, clockSkewSeconds: 5 });
});
afterAll(async () => issuer.stop());

async function rejection(token: string): Promise<string> {
  const err = await verify(token).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(TokenRejected);
  return (err as TokenRejected).reason;
}

describe("token verification against the local issuer", () => {
  it("accepts a token the issuer signed and returns oid and roles", async () => {
    const caller = await verify(await issuer.sign({ oid: "u-1", roles: ["Keys.Admin"], audience: AUDIENCE }));
    expect(caller).toMatchObject({ oid: "u-1", roles: ["Keys.Admin"] });
  });

  it("rejects an expired token", async () => {
    expect(await rejection(await issuer.sign({ oid: "u", audience: AUDIENCE, lifetimeSeconds: -60 }))).toMatch(/expired/);
  });

  it("rejects a token for another audience", async () => {
    expect(await rejection(await issuer.sign({ oid: "u", audience: "https://vault.azure.net" }))).toMatch(/aud/);
  });

  it("rejects a tampered token", async () => {
    const token = await issuer.sign({ oid: "u", roles: ["Environment.User"], audience: AUDIENCE });
    const [h, p, s] = token.split(".");
    const payload = JSON.parse(Buffer.from(p, "base64url").toString());
    payload.roles = ["Keys.Admin"];
    const forged = [h, Buffer.from(JSON.stringify(payload)).toString("base64url"), s].join(".");
    expect(await rejection(forged)).toMatch(/signature/);
  });

  it("rejects a token signed by another key, and an unsigned one", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const other = await new SignJWT({ oid: "u" }).setProtectedHeader({ alg: "RS256", kid: "other" })
      .setIssuer(issuer.issuer).setAudience(AUDIENCE).setExpirationTime("1h").sign(privateKey);
    await rejection(other);
    const none = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${Buffer.from(JSON.stringify({ oid: "u", iss: issuer.issuer, aud: AUDIENCE, exp: 9999999999 })).toString("base64url")}.`;
    await rejection(none);
  });

  it("serves tokens from its loopback token endpoint", async () => {
    const res = await fetch(issuer.tokenEndpoint, { method: "POST", body: JSON.stringify({ oid: "p-1", audience: AUDIENCE }) });
    const body = (await res.json()) as { access_token: string };
    expect((await verify(body.access_token)).oid).toBe("p-1");
    const bad = await fetch(issuer.tokenEndpoint, { method: "POST", body: "{}" });
    expect(bad.status).toBe(400);
  });
});

describe("an unreachable issuer", () => {
  it("fails closed with 503 AuthenticationUnavailable, not 500 and not a pass", async () => {
    const down = createTokenVerifier({ issuer: "http://127.0.0.1:9/nowhere/v2.0", audience: AUDIENCE });
    const token = await issuer.sign({ oid: "u", roles: ["Keys.Admin"], audience: AUDIENCE });
    const request = { headers: new Headers({ authorization: `Bearer ${token}` }) } as unknown as Parameters<typeof authenticate>[0];
    const err = await authenticate(request, down).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(KeywardError);
    expect((err as InstanceType<typeof KeywardError>).status).toBe(503);
    expect((err as InstanceType<typeof KeywardError>).code).toBe("AuthenticationUnavailable");
  });
});
