// The local issuer's Entra authority: an HTTPS endpoint (MSAL refuses an http authority) that
// plays Entra's client-credentials token exchange for a multi-tenant app whose credential is a
// federated identity credential (Azure's cross-tenant customer-managed-key pattern):
//   GET  /{tenant}/v2.0/.well-known/openid-configuration
//   POST /{tenant}/oauth2/v2.0/token  grant_type=client_credentials, client_id, scope,
//        client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer, client_assertion
// The assertion (keyward's identity's token for api://AzureADTokenExchange) is verified (signature,
// audience, lifetime) and matched against the app's federated credentials (issuer + subject +
// audience); the app must have a service principal in {tenant} (the customer's consent). The
// access token then names that service principal (oid) in {tenant} (tid), as Entra's does.
import https from "node:https";
import type http from "node:http";
import { randomUUID } from "node:crypto";
import { jwtVerify, type KeyLike } from "jose";

export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export interface FederatedCredential {
  /** The assertion's `iss`: the identity's tenant issuer (the local issuer's http://127.0.0.1:PORT/{tid}/v2.0). */
  issuer: string;
  /** The assertion's `sub`: the managed identity's object (principal) id. */
  subject: string;
  audience?: string;
}

export interface Application {
  clientId: string;
  federatedCredentials: FederatedCredential[];
}

/** Apps and their service principals per tenant (consents), as Entra holds them. In memory. */
export class Directory {
  private readonly apps = new Map<string, Application>();
  private readonly servicePrincipals = new Map<string, string>();

  registerApplication(app: Application): void {
    this.apps.set(app.clientId.toLowerCase(), app);
  }

  application(clientId: string): Application | undefined {
    return this.apps.get(clientId.toLowerCase());
  }

  /** An administrator of `tenantId` consents to the app: its service principal there (object id; idempotent). */
  consent(tenantId: string, clientId: string): string {
    const key = `${tenantId.toLowerCase()}|${clientId.toLowerCase()}`;
    let objectId = this.servicePrincipals.get(key);
    if (!objectId) this.servicePrincipals.set(key, (objectId = randomUUID()));
    return objectId;
  }

  /** The service principal is deleted from the tenant (consent withdrawn). */
  removeServicePrincipal(tenantId: string, clientId: string): void {
    this.servicePrincipals.delete(`${tenantId.toLowerCase()}|${clientId.toLowerCase()}`);
  }

  servicePrincipal(tenantId: string, clientId: string): string | undefined {
    return this.servicePrincipals.get(`${tenantId.toLowerCase()}|${clientId.toLowerCase()}`);
  }
}

export interface AuthorityOptions {
  tls: { certChainPem: string; keyPem: string };
  port?: number;
  directory: Directory;
  /** The signing key's public half and the issuers it signs as (the assertion is one of its tokens). */
  publicKey: KeyLike;
  /** Mints the access token. */
  sign(request: { oid: string; tid: string; audience: string; claims: Record<string, unknown>; lifetimeSeconds: number }): Promise<string>;
  jwksUri: () => string;
}

export interface RunningAuthority {
  /** https://127.0.0.1:PORT: the authority host (KEYWARD_AUTHORITY_HOST). */
  authorityHost: string;
  stop(): Promise<void>;
}

/** Entra's error shape: AADSTS code in the description and in error_codes. */
function entraError(res: http.ServerResponse, status: number, error: string, code: number, description: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error, error_description: `AADSTS${code}: ${description}`, error_codes: [code], timestamp: new Date().toISOString(), trace_id: randomUUID(), correlation_id: randomUUID() }));
}

function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024) { reject(new Error("body too large")); req.destroy(); return; }
      chunks.push(c);
    });
    req.on("end", () => resolve(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))));
    req.on("error", reject);
  });
}

export async function startAuthority(options: AuthorityOptions): Promise<RunningAuthority> {
  let origin = "";
  const { directory } = options;

  const exchange = async (tenant: string, form: URLSearchParams, res: http.ServerResponse): Promise<void> => {
    if (form.get("grant_type") !== "client_credentials") return entraError(res, 400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type; the local authority serves client_credentials only.");
    const clientId = form.get("client_id") ?? "";
    const app = directory.application(clientId);
    if (!app) return entraError(res, 400, "unauthorized_client", 700016, `Application with identifier '${clientId}' was not found in the directory.`);
    if (form.get("client_assertion_type") !== JWT_BEARER || !form.get("client_assertion")) {
      return entraError(res, 401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    let claims: { iss?: string; sub?: string; aud?: unknown };
    try {
      claims = (await jwtVerify(form.get("client_assertion")!, options.publicKey, { audience: TOKEN_EXCHANGE_AUDIENCE, algorithms: ["RS256"] })).payload;
    } catch (err) {
      return entraError(res, 401, "invalid_client", 700024, `Client assertion is not within its valid time range, or its signature or audience is not valid (${(err as Error).message}).`);
    }
    const match = app.federatedCredentials.some((f) => f.issuer === claims.iss && f.subject === claims.sub && (f.audience ?? TOKEN_EXCHANGE_AUDIENCE) === TOKEN_EXCHANGE_AUDIENCE);
    if (!match) {
      return entraError(res, 400, "invalid_client", 70021, `No matching federated identity record found for presented assertion. Assertion Issuer: '${claims.iss}'. Assertion Subject: '${claims.sub}'.`);
    }
    const objectId = directory.servicePrincipal(tenant, clientId);
    if (!objectId) {
      return entraError(res, 400, "unauthorized_client", 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
    }
    const scope = (form.get("scope") ?? "").split(" ").find((s) => s.endsWith("/.default"));
    if (!scope) return entraError(res, 400, "invalid_scope", 1002012, "The provided value for scope is not valid: client credentials need '{resource}/.default'.");
    const lifetimeSeconds = 3600;
    const token = await options.sign({ oid: objectId, tid: tenant, audience: scope.replace(/\/\.default$/, ""), claims: { appid: clientId, azp: clientId, idtyp: "app" }, lifetimeSeconds });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ token_type: "Bearer", expires_in: lifetimeSeconds, ext_expires_in: lifetimeSeconds, access_token: token }));
  };

  const server = https.createServer({ key: options.tls.keyPem, cert: options.tls.certChainPem }, (req, res) => {
    const url = new URL(req.url ?? "/", "https://authority.local");
    const discovery = /^\/([A-Za-z0-9-]{1,64})\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (req.method === "GET" && discovery) {
      const t = discovery[1];
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({
        issuer: `${origin}/${t}/v2.0`, token_endpoint: `${origin}/${t}/oauth2/v2.0/token`, authorization_endpoint: `${origin}/${t}/oauth2/v2.0/authorize`,
        jwks_uri: options.jwksUri(), token_endpoint_auth_methods_supported: ["private_key_jwt", "client_secret_post"], id_token_signing_alg_values_supported: ["RS256"],
      }));
      return;
    }
    const token = /^\/([A-Za-z0-9-]{1,64})\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (req.method === "POST" && token) {
      if (!GUID.test(token[1])) return entraError(res, 400, "invalid_request", 90002, `Tenant '${token[1]}' not found: client credentials need a tenant id.`);
      readForm(req).then((form) => exchange(token[1].toLowerCase(), form, res)).catch(() => entraError(res, 400, "invalid_request", 900144, "The request body could not be read."));
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "not_found" }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const address = server.address();
  origin = `https://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return {
    authorityHost: origin,
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
