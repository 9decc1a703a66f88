// Bad bearer tokens on an admin route: each is 401 before anything runs, so nothing is created
// and nothing is audited under the claimed principal. Odd claims come from the local issuer's
// own key (read from its data folder) so that only the one thing under test is wrong; foreign
// keys come from jose.
import fs from "node:fs";
import path from "node:path";
import { createPrivateKey, randomUUID, type KeyObject } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT, generateKeyPair, UnsecuredJWT, base64url, type KeyLike } from "jose";
import { Keyward, KEYS_ADMIN, SUBSCRIPTION } from "../support/keyward";
import { APP_AUDIENCE } from "../../local/stack";
import { services } from "../../shared/services";
import { LOCAL_TENANT_ID } from "../../local/issuer";
import { policyBody, snapshot } from "./support";

let kw: Keyward;
let issuerKey: { kid: string; privateKey: KeyObject };
const VAULT_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/contoso-keys`;

beforeAll(async () => {
  kw = await Keyward.start();
  const stored = JSON.parse(fs.readFileSync(path.join(kw.dataDir, "issuer-signing-key.json"), "utf8")) as { kid: string; privateKeyPem: string };
  issuerKey = { kid: stored.kid, privateKey: createPrivateKey(stored.privateKeyPem) };
});
afterAll(async () => kw?.stop());

interface Claims { iss?: string; aud?: string; exp?: number; nbf?: number; oid?: string; roles?: string[] }

/** A token exactly like the local issuer's, with some claims changed, signed by `key` (the issuer's by default). */
async function token(claims: Claims = {}, key: { kid: string; privateKey: KeyObject | KeyLike } = issuerKey): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const c = { iss: kw.stack.issuer.issuer, aud: APP_AUDIENCE, exp: now + 3600, nbf: now, oid: KEYS_ADMIN, roles: ["Keys.Admin"], ...claims };
  return new SignJWT({ oid: c.oid, roles: c.roles, tid: "72f988bf-0000-4000-8000-00000000c0de" })
    .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" })
    .setIssuer(c.iss).setAudience(c.aud).setSubject(c.oid).setIssuedAt(now).setNotBefore(c.nbf).setExpirationTime(c.exp).setJti(randomUUID())
    .sign(key.privateKey);
}

/** PUT a policy with this Authorization header: must be 401, nothing stored, nothing audited. */
async function rejected(authorization: string | undefined, code = "InvalidToken") {
  const name = `tok${randomUUID().slice(0, 8)}`;
  const before = await snapshot();
  const auditBefore = await services().audit.list(LOCAL_TENANT_ID, { limit: 1000 });
  const res = await kw.call("PUT", `enterprisePolicies/${name}`, { body: policyBody(VAULT_ID, "cmk"), headers: authorization === undefined ? {} : { authorization } });
  expect({ status: res.status, code: res.body?.error?.code }, JSON.stringify(res.body)).toEqual({ status: 401, code });
  expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
  expect(await snapshot()).toEqual(before);
  expect(await services().audit.list(LOCAL_TENANT_ID, { limit: 1000 })).toEqual(auditBefore);
  return res;
}

describe("bearer tokens on an admin route", () => {
  it("accepts a well-formed token from the issuer (the control)", async () => {
    const res = await kw.call("PUT", `enterprisePolicies/tok${randomUUID().slice(0, 8)}`, { body: policyBody(VAULT_ID, "cmk"), headers: { authorization: `Bearer ${await token()}` } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });

  it("401 without an Authorization header", async () => {
    await rejected(undefined, "Unauthorized");
  });

  it("401 for an Authorization header that is not 'Bearer <token>'", async () => {
    await rejected(`Basic ${Buffer.from("admin:admin").toString("base64")}`, "InvalidAuthorizationHeader");
  });

  it("401 for a tampered token (roles changed after signing)", async () => {
    const [h, , s] = (await token({ roles: ["Environment.User"] })).split(".");
    const payload = base64url.encode(JSON.stringify({ ...JSON.parse(Buffer.from((await token()).split(".")[1], "base64url").toString()), roles: ["Keys.Admin"] }));
    const res = await rejected(`Bearer ${h}.${payload}.${s}`);
    expect(res.body.error.message).toContain("signature");
  });

  it("401 for an expired token (beyond the clock skew)", async () => {
    const now = Math.floor(Date.now() / 1000);
    const res = await rejected(`Bearer ${await token({ exp: now - 600, nbf: now - 4000 })}`);
    expect(res.body.error.message).toContain("expired");
  });

  it("accepts a token that expired less than the clock skew (120 s) ago", async () => {
    const now = Math.floor(Date.now() / 1000);
    const res = await kw.call("GET", "enterprisePolicies", { headers: { authorization: `Bearer ${await token({ exp: now - 30, nbf: now - 3600 })}` } });
    expect(res.status).toBe(200);
  });

  it("401 for a token not yet valid (nbf beyond the clock skew)", async () => {
    const now = Math.floor(Date.now() / 1000);
    await rejected(`Bearer ${await token({ nbf: now + 900, exp: now + 4000 })}`);
  });

  it("401 for a token for another audience (including the vault's)", async () => {
    await rejected(`Bearer ${await token({ aud: "api://someone-else" })}`);
    await rejected(`Bearer ${await kw.stack.issuer.sign({ oid: KEYS_ADMIN, roles: ["Keys.Admin"], audience: "https://vault.azure.net" })}`);
  });

  it("401 for a token from another issuer, even signed with the right key", async () => {
    await rejected(`Bearer ${await token({ iss: "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0" })}`);
  });

  it("401 for an unsigned token (alg none)", async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = new UnsecuredJWT({ oid: KEYS_ADMIN, roles: ["Keys.Admin"] })
      .setIssuer(kw.stack.issuer.issuer).setAudience(APP_AUDIENCE).setIssuedAt(now).setNotBefore(now).setExpirationTime(now + 3600).encode();
    await rejected(`Bearer ${unsigned}`);
    // And the same token with the signature part stripped of a valid token.
    const [h, p] = (await token()).split(".");
    await rejected(`Bearer ${h}.${p}.`);
  });

  it("401 for a token signed by a foreign key, under the issuer's kid and under its own", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    await rejected(`Bearer ${await token({}, { kid: issuerKey.kid, privateKey })}`);
    await rejected(`Bearer ${await token({}, { kid: randomUUID(), privateKey })}`);
  });

  it("401 for an HS256 token keyed with the issuer's public key (algorithm confusion)", async () => {
    const jwks = (await (await fetch(kw.stack.issuer.jwksUri)).json()) as { keys: Array<{ n: string }> };
    const now = Math.floor(Date.now() / 1000);
    const hs = await new SignJWT({ oid: KEYS_ADMIN, roles: ["Keys.Admin"] })
      .setProtectedHeader({ alg: "HS256", kid: issuerKey.kid }).setIssuer(kw.stack.issuer.issuer).setAudience(APP_AUDIENCE)
      .setIssuedAt(now).setExpirationTime(now + 3600).sign(new TextEncoder().encode(jwks.keys[0].n));
    await rejected(`Bearer ${hs}`);
  });

  it("401 for garbage", async () => {
    await rejected("Bearer not-a-jwt");
    await rejected("Bearer a.b.c");
  });
});
