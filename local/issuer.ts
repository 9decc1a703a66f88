// The local OpenID token issuer: a stand-in for Entra ID in `npm start` and the tests.
// It signs RS256 JWTs with a key kept under the data folder, publishes the public key as a JWKS
// (so keyward and the local vault verify tokens exactly as they would Entra's), and offers a
// loopback-only token endpoint that the local credential and `npm run token` use.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { randomUUID, generateKeyPairSync, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { SignJWT, exportJWK } from "jose";
import { Directory, startAuthority, type RunningAuthority } from "./issuerAuthority";

export { Directory, TOKEN_EXCHANGE_AUDIENCE, type Application, type FederatedCredential } from "./issuerAuthority";

/** Entra uses the tenant id in the issuer; the local tenant is fixed so tokens survive restarts. */
export const LOCAL_TENANT_ID = "72f988bf-0000-4000-8000-00000000c0de";

export interface TokenRequest {
  /** The principal's object id (becomes `oid` and `sub`). */
  oid: string;
  /** The principal's tenant (`tid`, and the issuer's path); the local tenant when absent. */
  tid?: string;
  /** App roles (the `roles` claim). */
  roles?: string[];
  audience: string;
  lifetimeSeconds?: number;
  /** Extra claims, for tests that need odd tokens. */
  claims?: Record<string, unknown>;
}

export interface LocalIssuer {
  /** The `iss` of the local tenant's tokens, e.g. http://127.0.0.1:PORT/{tenant}/v2.0. */
  issuer: string;
  /** The issuer of every tenant, as Entra's multi-tenant issuer: http://127.0.0.1:PORT/{tenantid}/v2.0. */
  issuerTemplate: string;
  jwksUri: string;
  tokenEndpoint: string;
  port: number;
  sign(request: TokenRequest): Promise<string>;
  /** Entra's authority over HTTPS (token exchange for federated multi-tenant apps), when started with `tls`. */
  authorityHost?: string;
  /** The apps and service principals the authority knows (register an app, consent in a tenant). */
  directory: Directory;
  stop(): Promise<void>;
}

interface StoredKey {
  kid: string;
  privateKeyPem: string;
}

/**
 * Resources whose tokens Entra issues in v1.0 form (`iss` https://sts.windows.net/{tid}/), as it
 * does for Azure Storage: Azurite in OAuth mode accepts only that issuer.
 */
const V1_TOKEN_AUDIENCES = new Set(["https://storage.azure.com"]);

const TENANT_ID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** CORS headers for an Origin on loopback (http://127.0.0.1:PORT, http://localhost:PORT), none for any other. */
export function loopbackCorsHeaders(originHeader: string | undefined): Record<string, string> {
  if (!originHeader || !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/.test(originHeader)) return {};
  return { "access-control-allow-origin": originHeader, vary: "Origin" };
}

function loadOrCreateKey(dataDir: string | undefined): { kid: string; privateKey: KeyObject } {
  const file = dataDir ? path.join(dataDir, "issuer-signing-key.json") : undefined;
  if (file && fs.existsSync(file)) {
    const stored = JSON.parse(fs.readFileSync(file, "utf8")) as StoredKey;
    return { kid: stored.kid, privateKey: createPrivateKey(stored.privateKeyPem) };
  }
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomUUID();
  if (file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const stored: StoredKey = { kid, privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString() };
    fs.writeFileSync(file, JSON.stringify(stored), { mode: 0o600 });
  }
  return { kid, privateKey };
}

function readBody(req: http.IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) { reject(new Error("body too large")); req.destroy(); return; }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startLocalIssuer(options: {
  dataDir?: string; port?: number;
  /** Also serve Entra's authority over HTTPS with this certificate (covering 127.0.0.1), on `authorityPort`. */
  tls?: { certChainPem: string; keyPem: string }; authorityPort?: number;
} = {}): Promise<LocalIssuer> {
  const { kid, privateKey } = loadOrCreateKey(options.dataDir);
  const publicJwk = { ...(await exportJWK(createPublicKey(privateKey))), kid, use: "sig", alg: "RS256" };
  let origin = "";
  const issuerPath = (tid: string) => `/${tid}/v2.0`;

  const sign = async (r: TokenRequest): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const tid = r.tid ?? LOCAL_TENANT_ID;
    return new SignJWT({ ...r.claims, oid: r.oid, tid, roles: r.roles ?? [] })
      .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
      .setIssuer(V1_TOKEN_AUDIENCES.has(r.audience.replace(/\/$/, "")) ? `https://sts.windows.net/${tid}/` : origin + issuerPath(tid))
      .setAudience(r.audience)
      .setSubject(r.oid)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + (r.lifetimeSeconds ?? 3600))
      .setJti(randomUUID())
      .sign(privateKey);
  };

  const server = http.createServer((req, res) => {
    // The local console's sign-in page (served by keyward on another loopback port) fetches its
    // tokens here; only pages served from loopback may read the answer.
    const cors = loopbackCorsHeaders(req.headers.origin);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json", ...cors });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? "/", origin);
    if (req.method === "OPTIONS" && url.pathname === "/token") {
      res.writeHead(cors["access-control-allow-origin"] ? 204 : 403, { ...cors, "access-control-allow-methods": "POST", "access-control-allow-headers": "content-type", "access-control-max-age": "600" });
      res.end();
      return;
    }
    // Any tenant's discovery document (and "common"'s), as Entra serves one per tenant.
    const discovery = /^\/([A-Za-z0-9-]{1,64})\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (req.method === "GET" && discovery) {
      const issuer = discovery[1] === "common" ? `${origin}/{tenantid}/v2.0` : origin + issuerPath(discovery[1]);
      return send(200, { issuer, jwks_uri: `${origin}/discovery/keys`, token_endpoint: `${origin}/token`,
        id_token_signing_alg_values_supported: ["RS256"] });
    }
    if (req.method === "GET" && url.pathname === "/discovery/keys") return send(200, { keys: [publicJwk] });
    if (req.method === "POST" && url.pathname === "/token") {
      readBody(req).then(async (text) => {
        let body: Partial<TokenRequest>;
        try { body = JSON.parse(text) as Partial<TokenRequest>; } catch { return send(400, { error: "invalid_request", error_description: "body must be JSON" }); }
        if (typeof body.oid !== "string" || !body.oid || typeof body.audience !== "string" || !body.audience) {
          return send(400, { error: "invalid_request", error_description: "oid and audience are required" });
        }
        if (body.tid !== undefined && (typeof body.tid !== "string" || !TENANT_ID_PATTERN.test(body.tid))) {
          return send(400, { error: "invalid_request", error_description: "tid must be a tenant id (a GUID)" });
        }
        const lifetime = typeof body.lifetimeSeconds === "number" ? body.lifetimeSeconds : 3600;
        const token = await sign({ oid: body.oid, tid: body.tid, audience: body.audience, roles: Array.isArray(body.roles) ? body.roles.map(String) : [], lifetimeSeconds: lifetime });
        send(200, { access_token: token, token_type: "Bearer", expires_on: Math.floor(Date.now() / 1000) + lifetime });
      }).catch(() => send(400, { error: "invalid_request" }));
      return;
    }
    send(404, { error: "not_found" });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  origin = `http://127.0.0.1:${port}`;
  const directory = new Directory();
  let authority: RunningAuthority | undefined;
  if (options.tls) {
    authority = await startAuthority({
      tls: options.tls, port: options.authorityPort, directory, publicKey: createPublicKey(privateKey), jwksUri: () => `${origin}/discovery/keys`,
      sign: (r) => sign({ oid: r.oid, tid: r.tid, audience: r.audience, claims: r.claims, lifetimeSeconds: r.lifetimeSeconds }),
    });
  }
  return {
    authorityHost: authority?.authorityHost,
    directory,
    issuer: origin + issuerPath(LOCAL_TENANT_ID),
    issuerTemplate: `${origin}/{tenantid}/v2.0`,
    jwksUri: `${origin}/discovery/keys`,
    tokenEndpoint: `${origin}/token`,
    port,
    sign,
    stop: async () => {
      await authority?.stop();
      await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
    },
  };
}
