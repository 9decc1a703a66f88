// Classification fed with the errors the real SDK produces: a KeyClient / CryptographyClient whose
// HTTP client answers with canned vault responses (after the auth challenge), node network
// errors, and the SDK's own client-side checks.
import { describe, expect, it } from "vitest";
import { CryptographyClient, KeyClient, type KeyVaultKey } from "@azure/keyvault-keys";
import { createHttpHeaders, RestError, type HttpClient, type PipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { classifyKeyVaultError, KeyAccessError, retryAfterMsFrom } from "../../shared/keyvault/classify";
import { keyVaultClientOptions } from "../../shared/keyvault/transport";

const VAULT = "https://kv1.vault.azure.net";
const KID = `${VAULT}/keys/cmk/0123456789abcdef0123456789abcdef`;
const credential = { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }) };

type Canned = { status: number; headers?: Record<string, string>; body?: unknown } | { network: string; message: string } | Error;

/** An HttpClient that does the Key Vault challenge, then answers every request with `canned`. */
function cannedClient(canned: Canned): HttpClient {
  return {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      if (!request.headers.get("authorization")) {
        return { request, status: 401, headers: createHttpHeaders({ "www-authenticate": 'Bearer authorization="https://login.microsoftonline.com/tenant", resource="https://vault.azure.net"' }), bodyAsText: "" };
      }
      if (canned instanceof Error) throw canned;
      // What node's http client raises on a socket error, wrapped as core-rest-pipeline does.
      if ("network" in canned) throw new RestError(canned.message, { code: canned.network, request });
      const json = canned.body !== undefined;
      return { request, status: canned.status, headers: createHttpHeaders({ ...(json ? { "content-type": "application/json" } : {}), ...canned.headers }), bodyAsText: json ? JSON.stringify(canned.body) : "" };
    },
  };
}

/** The error the SDK throws, with keyward's own client options (transport.ts). */
async function sdkError(canned: Canned, options: object = keyVaultClientOptions()): Promise<unknown> {
  const client = new KeyClient(VAULT, credential, { ...options, httpClient: cannedClient(canned) });
  return client.getKey("cmk").then(() => { throw new Error("expected a failure"); }, (e: unknown) => e);
}

const vaultError = (code: string, message: string, inner?: string) => ({ error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } });

const networkError = (code: string, message: string) => ({ network: code, message });

describe("classifyKeyVaultError on real SDK errors", () => {
  it.each([
    ["revoked role assignment", 403, vaultError("Forbidden", "Caller is not authorized to perform action on resource.", "ForbiddenByRbac"), "AccessLost", "ForbiddenByRbac"],
    ["disabled key", 403, vaultError("Forbidden", "Operation unwrapKey is not allowed on a disabled key.", "KeyDisabled"), "AccessLost", "KeyDisabled"],
    ["expired key", 403, vaultError("Forbidden", "Operation unwrapKey is not allowed on an expired key.", "KeyExpired"), "AccessLost", "KeyExpired"],
    ["forbidden operation", 403, vaultError("Forbidden", "Operation unwrapKey is not permitted on this key.", "KeyOperationForbidden"), "AccessLost", "KeyOperationForbidden"],
    ["plain 403", 403, vaultError("Forbidden", "no"), "AccessLost", "Forbidden"],
    ["deleted key", 404, vaultError("KeyNotFound", "A key with (name/id) cmk was not found in this key vault."), "AccessLost", "KeyNotFound"],
    ["deleted vault", 404, vaultError("VaultNotFound", "Vault not found"), "AccessLost", "VaultNotFound"],
    ["deleted but recoverable", 409, vaultError("Conflict", "deleted but recoverable", "ObjectIsDeletedButRecoverable"), "AccessLost", "ObjectIsDeletedButRecoverable"],
    ["throttled", 429, vaultError("Throttled", "Request was not processed because too many requests were received."), "Transient", "Throttled"],
    ["request timeout", 408, vaultError("RequestTimeout", "timeout"), "Transient", "RequestTimeout"],
    ["server error", 500, vaultError("InternalServerError", "boom"), "Transient", "InternalServerError"],
    ["unavailable, no body", 503, undefined, "Transient", "Http503"],
    ["bad parameter", 400, vaultError("BadParameter", "Bad Request: decryption failed"), "Misconfigured", "BadParameter"],
    ["token rejected", 401, vaultError("Unauthorized", "AKV10032: Invalid issuer."), "Misconfigured", "Unauthorized"],
  ])("%s -> %s", async (_name, status, body, kind, code) => {
    const err = await sdkError({ status: status as number, body });
    const c = classifyKeyVaultError(err, { operation: "getKey", keyId: `${VAULT}/keys/cmk` });
    expect(c).toBeInstanceOf(KeyAccessError);
    expect(c.kind).toBe(kind);
    expect(c.vaultCode).toBe(code);
    expect(c.statusCode).toBe(status);
    expect(c.operation).toBe("getKey");
    expect(c.message).toContain("getKey on https://kv1.vault.azure.net/keys/cmk");
    if (body) expect(c.message).toContain((body as { error: { message: string } }).error.message);
  });

  it("keeps the status of an error response with no body (the bare SDK throws a TypeError)", async () => {
    const bare = await sdkError({ status: 502 }, { retryOptions: { maxRetries: 0 } });
    expect(bare).toBeInstanceOf(TypeError);
    const ours = classifyKeyVaultError(await sdkError({ status: 502 }));
    expect(ours).toMatchObject({ kind: "Transient", vaultCode: "Http502", statusCode: 502 });
    const gone = classifyKeyVaultError(await sdkError({ status: 404 }));
    expect(gone).toMatchObject({ kind: "AccessLost", statusCode: 404 });
  });

  it("reads Retry-After (seconds, HTTP date, ms headers) from a 429", async () => {
    const secs = classifyKeyVaultError(await sdkError({ status: 429, headers: { "retry-after": "3" }, body: vaultError("Throttled", "slow down") }));
    expect(secs.kind).toBe("Transient");
    expect(secs.retryAfterMs).toBe(3000);
    const none = classifyKeyVaultError(await sdkError({ status: 429, body: vaultError("Throttled", "slow down") }));
    expect(none.retryAfterMs).toBeUndefined();
    const ms = classifyKeyVaultError(await sdkError({ status: 503, headers: { "x-ms-retry-after-ms": "1500" } }));
    expect(ms.retryAfterMs).toBe(1500);
    const now = Date.parse("2030-01-01T00:00:00Z");
    expect(retryAfterMsFrom(createHttpHeaders({ "retry-after": "Tue, 01 Jan 2030 00:00:05 GMT" }), now)).toBe(5000);
    expect(retryAfterMsFrom(createHttpHeaders({ "retry-after": "soon" }), now)).toBeUndefined();
  });

  it.each([
    ["ECONNRESET", "socket hang up", "Transient"],
    ["ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:443", "Transient"],
    ["ETIMEDOUT", "connect ETIMEDOUT", "Transient"],
    ["EAI_AGAIN", "getaddrinfo EAI_AGAIN kv1.vault.azure.net", "Transient"],
    ["ENOTFOUND", "getaddrinfo ENOTFOUND kv1.vault.azure.net", "AccessLost"],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate", "Misconfigured"],
  ])("network %s through the SDK -> %s", async (code, message, kind) => {
    const c = classifyKeyVaultError(await sdkError(networkError(code, message)));
    expect(c.kind).toBe(kind);
    expect(c.vaultCode).toBe(code);
    expect(c.statusCode).toBeUndefined();
  });

  it("treats ENOTFOUND for a host that is not a vault as transient (token endpoint, IMDS)", () => {
    const dnsError = Object.assign(new Error("getaddrinfo ENOTFOUND login.microsoftonline.com"), { code: "ENOTFOUND", hostname: "login.microsoftonline.com" });
    expect(classifyKeyVaultError(dnsError).kind).toBe("Transient");
    const vaultDns = Object.assign(new Error("getaddrinfo ENOTFOUND gone.vault.azure.net"), { code: "ENOTFOUND", hostname: "gone.vault.azure.net" });
    expect(classifyKeyVaultError(vaultDns).kind).toBe("AccessLost");
    // Without a hostname on the error, the context's key id decides.
    const bare = Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    expect(classifyKeyVaultError(bare, { keyId: KID }).kind).toBe("AccessLost");
  });

  it("classifies raw node errors, fetch failures and timeouts", () => {
    expect(classifyKeyVaultError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })).vaultCode).toBe("ECONNRESET");
    expect(classifyKeyVaultError(new Error("socket hang up")).kind).toBe("Transient");
    const fetchFailed = new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
    expect(classifyKeyVaultError(fetchFailed)).toMatchObject({ kind: "Transient", vaultCode: "ECONNREFUSED" });
    const abort = Object.assign(new Error("The operation was aborted."), { name: "AbortError" });
    expect(classifyKeyVaultError(abort)).toMatchObject({ kind: "Transient", vaultCode: "Timeout" });
  });

  it("classifies token failures without mistaking them for the vault", () => {
    const identityDown = Object.assign(new Error("ManagedIdentityCredential: IMDS 503"), { name: "AuthenticationError", statusCode: 503 });
    expect(classifyKeyVaultError(identityDown).kind).toBe("Transient");
    const identity403 = Object.assign(new Error("identity not assigned"), { name: "AuthenticationError", statusCode: 403 });
    expect(classifyKeyVaultError(identity403).kind).toBe("Misconfigured");
    const unavailable = Object.assign(new Error("no managed identity endpoint"), { name: "CredentialUnavailableError" });
    expect(classifyKeyVaultError(unavailable)).toMatchObject({ kind: "Misconfigured", vaultCode: "CredentialUnavailable" });
  });
});

describe("the SDK's client-side checks", () => {
  const key = (props: Partial<KeyVaultKey["properties"]>, ops = ["wrapKey", "unwrapKey"]): KeyVaultKey => ({
    id: KID, name: "cmk", keyType: "RSA", keyOperations: ops as KeyVaultKey["keyOperations"],
    key: { kid: KID, kty: "RSA", keyOps: ops as KeyVaultKey["keyOperations"], n: new Uint8Array(256).fill(1), e: new Uint8Array([1, 0, 1]) },
    properties: { id: KID, name: "cmk", vaultUrl: VAULT, version: "0123456789abcdef0123456789abcdef", enabled: true, ...props },
  });
  const fail = async (k: KeyVaultKey, op: "wrap" | "unwrap") => {
    const client = new CryptographyClient(k, credential, { httpClient: cannedClient(new Error("must not be called")) });
    const p = op === "wrap" ? client.wrapKey("RSA-OAEP-256", new Uint8Array(32)) : client.unwrapKey("RSA-OAEP-256", new Uint8Array(256));
    return p.then(() => { throw new Error("expected a failure"); }, (e: unknown) => e);
  };

  it("an expired key (plain Error from the SDK) is AccessLost/KeyExpired", async () => {
    const err = await fail(key({ expiresOn: new Date(Date.now() - 60_000) }), "unwrap");
    expect((err as Error).constructor).toBe(Error);
    expect(classifyKeyVaultError(err, { keyId: KID })).toMatchObject({ kind: "AccessLost", vaultCode: "KeyExpired" });
  });

  it("a not-yet-valid key is AccessLost/KeyNotYetValid", async () => {
    const err = await fail(key({ notBefore: new Date(Date.now() + 60_000) }), "wrap");
    expect(classifyKeyVaultError(err)).toMatchObject({ kind: "AccessLost", vaultCode: "KeyNotYetValid" });
  });

  it("an operation the key does not permit is AccessLost/KeyOperationForbidden, as the vault's 403 is", async () => {
    const err = await fail(key({}, ["wrapKey"]), "unwrap");
    expect(classifyKeyVaultError(err)).toMatchObject({ kind: "AccessLost", vaultCode: "KeyOperationForbidden" });
  });

  it("a challenge for another domain is Misconfigured", () => {
    const err = new Error("The challenge resource 'evil.com' does not match the requested domain. Set disableChallengeResourceVerification to true in your client options to disable.");
    expect(classifyKeyVaultError(err)).toMatchObject({ kind: "Misconfigured", vaultCode: "ChallengeResourceMismatch" });
  });
});

describe("what a KeyAccessError carries", () => {
  it("passes a KeyAccessError through unchanged and keeps no reference to the request", async () => {
    const original = new KeyAccessError("AccessLost", "KeyDisabled", "x");
    expect(classifyKeyVaultError(original)).toBe(original);
    const err = await sdkError({ status: 403, body: vaultError("Forbidden", "nope", "ForbiddenByRbac") });
    const c = classifyKeyVaultError(err);
    expect(Object.values(c)).not.toContain((err as RestError).request);
    expect(JSON.stringify(c)).not.toMatch(/authorization|Bearer/i);
    expect(c.toJSON()).toMatchObject({ kind: "AccessLost", vaultCode: "ForbiddenByRbac", statusCode: 403 });
  });

  it("an unknown error is neither retried nor treated as revocation", () => {
    expect(classifyKeyVaultError(new TypeError("x is not a function")).kind).toBe("Misconfigured");
    expect(classifyKeyVaultError("a string").kind).toBe("Misconfigured");
  });
});
