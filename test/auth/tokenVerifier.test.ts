import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createPrivateKey, generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
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

describe("a multi-tenant issuer ({tenantid}, as Entra's and the deployed setting)", () => {
  let multi: LocalIssuer;
  let dir: string;
  let signingKey: { kid: string; privateKey: KeyObject };
  let verifyAny: TokenVerifier;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kw-issuer-"));
    multi = await startLocalIssuer({ dataDir: dir });
    const stored = JSON.parse(fs.readFileSync(path.join(dir, "issuer-signing-key.json"), "utf8")) as { kid: string; privateKeyPem: string };
    signingKey = { kid: stored.kid, privateKey: createPrivateKey(stored.privateKeyPem) };
    // Discovery of the template reads "common"'s document, as keyward does against Entra.
    verifyAny = createTokenVerifier({ issuer: multi.issuerTemplate, audience: AUDIENCE });
  });
  afterAll(async () => {
    await multi.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const signed = (iss: string, tid: string) => new SignJWT({ oid: "u", tid }).setProtectedHeader({ alg: "RS256", kid: signingKey.kid })
    .setIssuer(iss).setAudience(AUDIENCE).setIssuedAt().setExpirationTime("1h").sign(signingKey.privateKey);

  it("accepts a token of any tenant, as that tenant", async () => {
    for (const tid of [randomUUID(), randomUUID(), randomUUID()]) {
      expect((await verifyAny(await multi.sign({ oid: "u", tid, audience: AUDIENCE }))).tenantId).toBe(tid);
    }
  });

  it("rejects a token whose iss names another tenant than its tid, the bare template, or another host; 401 to the caller", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    expect((await verifyAny(await signed(multi.issuerTemplate.replace("{tenantid}", a), a))).tenantId).toBe(a); // the control
    for (const iss of [multi.issuerTemplate.replace("{tenantid}", b), multi.issuerTemplate, `https://login.microsoftonline.com/${a}/v2.0`]) {
      const t = await signed(iss, a);
      const err = await verifyAny(t).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(TokenRejected);
      expect((err as TokenRejected).reason).toMatch(/iss/);
      const request = { headers: new Headers({ authorization: `Bearer ${t}` }) } as unknown as Parameters<typeof authenticate>[0];
      const denied = await authenticate(request, verifyAny).then(() => undefined, (e: unknown) => e);
      expect({ status: (denied as KeywardError).status, code: (denied as KeywardError).code }).toEqual({ status: 401, code: "InvalidToken" });
    }
  });
});
