// The HTTP edge answers by kind even for an error a handler forgot to translate: a KeyAccessError
// that escapes a route goes through keyErrorFor (the one translation of a vault failure), so the
// caller gets 503 with a code and Retry-After, not a 500. The route is registered with
// registerRoute and called through the handler the Functions host would call.
import "../../local/functionsCore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpRequest, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { registerRoute } from "../../shared/http/route";
import { KeyAccessError } from "../../shared/keyvault/classify";
import { keyErrorFor } from "../../shared/keys/keyErrors";
import { requireFunction } from "../../local/functionsCore";
import { testStorage, uniquePrefix } from "../support/storage";

const KEY_ID = "https://customer-vault.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef";
let escaping: unknown;

registerRoute({ name: "edgeProbeKeyError", method: "GET", route: "edge-probe/key-error", roles: [], summary: "Throws what the test sets.", audit: false, responses: { 200: { description: "Never." } } },
  async () => { throw escaping; });

const saved: Record<string, string | undefined> = {};
const env = (): Record<string, string> => ({ KEYWARD_AUTH_ISSUER: "https://issuer.edge-probe.invalid/v2.0", AzureWebJobsStorage: testStorage(), KEYWARD_STATE_PREFIX: uniquePrefix("edge") });

beforeAll(() => {
  for (const [k, v] of Object.entries(env())) { saved[k] = process.env[k]; process.env[k] = v; }
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
});

async function call(err: unknown): Promise<{ response: HttpResponseInit; warnings: string[] }> {
  escaping = err;
  const warnings: string[] = [];
  const invocation = new InvocationContext({ invocationId: "edge-probe-1", functionName: "edgeProbeKeyError", logHandler: (level, ...args) => { if (level === "warning") warnings.push(args.join(" ")); } });
  const request = new HttpRequest({ method: "GET", url: "http://localhost/api/edge-probe/key-error" });
  const response = await requireFunction("edgeProbeKeyError", "httpTrigger").callback(request, invocation) as HttpResponseInit;
  return { response, warnings };
}

const bodyOf = (response: HttpResponseInit) => response.jsonBody as { error: { code: string; message: string } };

describe("a KeyAccessError a handler lets escape", () => {
  it("a vault that did not answer: 503 KeyVaultUnavailable with Retry-After, as keyErrorFor maps it", async () => {
    const err = new KeyAccessError("Transient", "ServiceUnavailable", `unwrapKey on ${KEY_ID}: busy`, { statusCode: 503, keyId: KEY_ID, operation: "unwrapKey" });
    const { response, warnings } = await call(err);
    const mapped = keyErrorFor(err, { use: "request" });
    expect(mapped.code).toBe("KeyVaultUnavailable");
    expect(response.status).toBe(mapped.status);
    expect(response.status).toBe(503);
    expect(bodyOf(response).error.code).toBe("KeyVaultUnavailable");
    expect((response.headers as Record<string, string>)["Retry-After"]).toBe(String(mapped.retryAfterSeconds));
    // The engineers hear that a handler did not translate it.
    expect(warnings.join("\n")).toMatch(/edgeProbeKeyError: a key access error reached the edge untranslated \(Transient ServiceUnavailable in unwrapKey\)/);
  });

  it("a key taken away: 503 KeyUnavailable, the key's id not in the answer", async () => {
    const err = new KeyAccessError("AccessLost", "ForbiddenByRbac", `unwrapKey on ${KEY_ID}: Caller is not authorized`, { statusCode: 403, keyId: KEY_ID, operation: "unwrapKey" });
    const { response } = await call(err);
    expect(response.status).toBe(503);
    expect(bodyOf(response).error.code).toBe("KeyUnavailable");
    expect(bodyOf(response).error.message).toContain("ForbiddenByRbac");
    expect(JSON.stringify(response.jsonBody)).not.toContain("customer-vault");
  });

  it("anything else that escapes still answers 500 with nothing but the request id", async () => {
    const { response } = await call(new Error(`boom near ${KEY_ID}`));
    expect(response.status).toBe(500);
    expect(bodyOf(response).error.code).toBe("InternalError");
    expect(JSON.stringify(response.jsonBody)).not.toContain("customer-vault");
  });
});
