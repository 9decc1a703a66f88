// How keyward's Key Vault clients reach a vault.
// - SDK retries are OFF (maxRetries 0): retry.ts is the one place calls are retried, so the
//   number of attempts and the treatment of 429 without Retry-After are ours, not the SDK's.
// - Every request has a timeout, so a vault that hangs becomes a Transient error, not a stuck
//   function invocation.
// - Local mode (KEYWARD_VAULT_CA_CERT_PATH set): an https.Agent that trusts the local vault's CA
//   and resolves vault / managed HSM host names to 127.0.0.1, so ids look exactly like Azure's
//   (https://{vault}.vault.azure.net:PORT/keys/...) and challenge resource verification stays ON.
//   Unknown vaults fail with ENOTFOUND, as DNS does for a deleted vault in Azure.
import fs from "node:fs";
import dns from "node:dns";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { settings } from "../settings";
import { isVaultHost } from "./vaultResource";

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/** Extra app setting this module reads (not in shared/settings.ts): the local vault's management
 * URL (https://127.0.0.1:PORT/_local). When set, vault host names are resolved by asking it
 * whether the vault exists; when unset, every vault host resolves to loopback. */
export function localVaultManagementUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.KEYWARD_LOCAL_VAULT_MANAGEMENT_URL ?? "").replace(/\/+$/, "");
}

/** Client options shared by KeyClient and CryptographyClient (a fresh object per client: the
 * SDK mutates the options it is given). */
export interface KeyVaultClientOptions {
  retryOptions: { maxRetries: number };
  agent?: https.Agent;
  additionalPolicies: Array<{ policy: PipelinePolicy; position: "perCall" | "perRetry" }>;
  userAgentOptions: { userAgentPrefix: string };
  disableChallengeResourceVerification: false;
}

export function requestTimeoutPolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: "keywardRequestTimeout",
    sendRequest(request, next) {
      if (!request.timeout || request.timeout > timeoutMs) request.timeout = timeoutMs;
      return next(request);
    },
  };
}

/**
 * Gives an error response without a body a Key Vault-shaped one. The SDK (4.10.2) reads
 * `body.error` of every error response and throws a bare TypeError, losing the status, when a
 * gateway answers e.g. 502/503 with no body; with this the caller gets a RestError with the
 * status (code Http{status}), which classify.ts can tell apart.
 */
export function emptyErrorBodyPolicy(): PipelinePolicy {
  return {
    name: "keywardEmptyErrorBody",
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status >= 400 && !response.bodyAsText?.trim() && !response.readableStreamBody) {
        response.bodyAsText = JSON.stringify({ error: { code: `Http${response.status}`, message: `The vault answered ${response.status} with no body.` } });
        response.headers.set("content-type", "application/json");
      }
      return response;
    },
  };
}

export function keyVaultClientOptions(options: { requestTimeoutMs?: number } = {}): KeyVaultClientOptions {
  const agent = localVaultAgentFromSettings();
  return {
    retryOptions: { maxRetries: 0 },
    ...(agent ? { agent } : {}),
    additionalPolicies: [
      { policy: requestTimeoutPolicy(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS), position: "perRetry" },
      { policy: emptyErrorBodyPolicy(), position: "perRetry" },
    ],
    userAgentOptions: { userAgentPrefix: "keyward" },
    // Kept on deliberately: the SDK only sends a token to a host inside the challenge's domain.
    disableChallengeResourceVerification: false,
  };
}

function enotfound(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", errno: -3008, syscall: "getaddrinfo", hostname });
}

/** Asks the local vault's management API whether a vault host exists: GET {mgmt}/resolve/{host}. */
function resolveViaManagement(managementUrl: string, ca: string, hostname: string): Promise<boolean> {
  const base = managementUrl.endsWith("/_local") ? managementUrl : `${managementUrl}/_local`;
  const url = new URL(`${base}/resolve/${encodeURIComponent(hostname)}`);
  return new Promise((resolve, reject) => {
    // Its own agent-less request: the management URL is an IP, never a vault host, so this
    // cannot recurse into the lookup below.
    const req = https.get(url, { ca, timeout: 5_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => { body += c; });
      res.on("end", () => {
        if (res.statusCode !== 200) return reject(Object.assign(new Error(`local vault resolve answered ${res.statusCode}`), { code: "EAI_AGAIN" }));
        try { resolve((JSON.parse(body) as { exists?: unknown }).exists === true); } catch (err) { reject(err); }
      });
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("local vault resolve timed out"), { code: "ETIMEDOUT" })));
    req.on("error", reject);
  });
}

export interface LoopbackVaultAgentOptions {
  caCertPem: string;
  managementUrl?: string;
  /** Overrides the existence check (tests). */
  resolve?: (hostname: string) => Promise<boolean>;
  isVaultHost?: (hostname: string) => boolean;
}

/** An https.Agent that trusts `caCertPem` and resolves vault hosts to 127.0.0.1 (or ENOTFOUND). */
export function loopbackVaultAgent(options: LoopbackVaultAgentOptions): https.Agent {
  const vaultHost = options.isVaultHost ?? ((h: string) => isVaultHost(h));
  const exists = options.resolve
    ?? (options.managementUrl ? (h: string) => resolveViaManagement(options.managementUrl!, options.caCertPem, h) : async () => true);
  const lookup = ((hostname: string, lookupOptions: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    if (!vaultHost(hostname)) return dns.lookup(hostname, lookupOptions, callback as never);
    exists(hostname).then(
      (found) => {
        if (!found) return callback(enotfound(hostname));
        if (lookupOptions?.all) return callback(null, [{ address: "127.0.0.1", family: 4 }]);
        callback(null, "127.0.0.1", 4);
      },
      (err: unknown) => callback(err),
    );
  }) as unknown as LookupFunction;
  return new https.Agent({ ca: options.caCertPem, keepAlive: true, lookup });
}

let cachedAgent: { key: string; agent: https.Agent } | undefined;

/** The local-mode agent for the current settings, or undefined in Azure. One per (CA, mgmt URL). */
export function localVaultAgentFromSettings(): https.Agent | undefined {
  const caPath = settings().vaultCaCertPath;
  if (!caPath) return undefined;
  const managementUrl = localVaultManagementUrl();
  const key = `${caPath}\n${managementUrl}`;
  if (cachedAgent?.key !== key) {
    cachedAgent?.agent.destroy();
    const caCertPem = fs.readFileSync(caPath, "utf8");
    cachedAgent = { key, agent: loopbackVaultAgent({ caCertPem, managementUrl: managementUrl || undefined }) };
  }
  return cachedAgent.agent;
}
