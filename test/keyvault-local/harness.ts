// Test harness for the local Key Vault: a local issuer, a vault on a fresh temp data dir, the
// management client, SDK clients wired through localVaultAgent, and an Event Grid sink.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import type https from "node:https";
import type { TokenCredential } from "@azure/core-auth";
import { CryptographyClient, KeyClient, type KeyClientOptions } from "@azure/keyvault-keys";
import { startLocalIssuer, type LocalIssuer } from "../../local/issuer";
import { createTokenVerifier } from "../../shared/auth/tokenVerifier";
import {
  localVaultAgent, localVaultManagementClient, startLocalVault,
  type EventGridEvent, type LocalVault, type LocalVaultManagementClient, type LocalVaultOptions,
} from "../../local/keyvault";

export const VAULT_AUDIENCES = ["https://vault.azure.net", "https://managedhsm.azure.net"];

/** A credential for one principal: signs a token for whatever resource the challenge names. */
export function credentialFor(issuer: LocalIssuer, oid: string, calls?: string[][]): TokenCredential {
  return {
    getToken: async (scopes) => {
      const list = Array.isArray(scopes) ? scopes : [scopes];
      calls?.push(list);
      const audience = list[0].replace(/\/\.default$/, "");
      return { token: await issuer.sign({ oid, audience }), expiresOnTimestamp: Date.now() + 3600_000 };
    },
  };
}

export interface Harness {
  issuer: LocalIssuer;
  vault: LocalVault;
  mgmt: LocalVaultManagementClient;
  agent: https.Agent;
  dataDir: string;
  logs: string[];
  /** SDK options: the agent, and short retry delays so retried failures stay fast. */
  clientOptions(extra?: KeyClientOptions): KeyClientOptions;
  keyClient(vaultName: string, oid: string, extra?: KeyClientOptions): KeyClient;
  hsmKeyClient(hsmName: string, oid: string, extra?: KeyClientOptions): KeyClient;
  cryptoClient(keyId: string, oid: string, extra?: KeyClientOptions): CryptographyClient;
  /** Creates a vault and grants `oid` Key Vault Administrator (or Managed HSM Administrator) on it. */
  vaultWithAdmin(name: string, oid: string, properties?: Parameters<LocalVaultManagementClient["putVault"]>[1]): Promise<{ id: string; url: string }>;
  restart(options?: Partial<LocalVaultOptions>): Promise<void>;
  close(): Promise<void>;
}

let counter = 0;

export async function startHarness(options: Partial<LocalVaultOptions> & { dataDir?: string } = {}): Promise<Harness> {
  const issuer = await startLocalIssuer();
  const verifyToken = createTokenVerifier({ issuer: issuer.issuer, audience: VAULT_AUDIENCES, jwksUri: issuer.jwksUri });
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `kv-local-${process.pid}-${++counter}-`));
  const logs: string[] = [];
  const start = (extra: Partial<LocalVaultOptions> = {}) =>
    startLocalVault({ verifyToken, log: (l) => logs.push(l), expiryCheckIntervalMs: 3_600_000, ...options, ...extra, dataDir });

  const h = {} as Harness;
  const wire = (vault: LocalVault) => {
    h.vault = vault;
    h.mgmt = localVaultManagementClient(vault);
    h.agent?.destroy();
    h.agent = localVaultAgent({ caCertPem: vault.caCertPem, resolve: (host) => h.mgmt.resolve(host) });
  };
  Object.assign(h, {
    issuer, dataDir, logs,
    clientOptions: (extra: KeyClientOptions = {}) => ({
      agent: h.agent,
      retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 100 },
      ...extra,
    }) as KeyClientOptions,
    keyClient: (name: string, oid: string, extra?: KeyClientOptions) => new KeyClient(h.vault.vaultUrl(name), credentialFor(issuer, oid), h.clientOptions(extra)),
    hsmKeyClient: (name: string, oid: string, extra?: KeyClientOptions) => new KeyClient(h.vault.managedHsmUrl(name), credentialFor(issuer, oid), h.clientOptions(extra)),
    cryptoClient: (keyId: string, oid: string, extra?: KeyClientOptions) => new CryptographyClient(keyId, credentialFor(issuer, oid), h.clientOptions(extra)),
    vaultWithAdmin: async (name: string, oid: string, properties = {}) => {
      const v = await h.mgmt.putVault(name, properties);
      const role = v.properties.kind === "managedHsm" ? "Managed HSM Administrator" : "Key Vault Administrator";
      await h.mgmt.putRoleAssignment(`admin-${name}-${oid}`, { principalId: oid, roleDefinitionName: role, scope: v.id });
      return { id: v.id, url: v.vaultUri };
    },
    restart: async (extra: Partial<LocalVaultOptions> = {}) => {
      await h.vault.stop();
      wire(await start(extra));
    },
    close: async () => {
      h.agent.destroy();
      await h.vault.stop();
      await issuer.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  });
  wire(await start());
  return h;
}

/**
 * A clock for the vault's throttling windows and role propagation that moves only when told
 * (`advance`), or, after `follow()`, with real time from where it stood.
 */
export interface ManualClock {
  now: () => number;
  advance(ms: number): void;
  follow(): void;
}

export function manualClock(start = Date.now()): ManualClock {
  let frozenAt: number | undefined = start;
  let offset = 0;
  return {
    now: () => (frozenAt !== undefined ? frozenAt : Date.now() + offset),
    advance: (ms) => {
      if (frozenAt !== undefined) frozenAt += ms;
      else offset += ms;
    },
    follow: () => {
      if (frozenAt === undefined) return;
      offset = frozenAt - Date.now();
      frozenAt = undefined;
    },
  };
}

/** A tiny Event Grid endpoint that records what it receives; it can fail the first N posts. */
export interface EventSink {
  url: string;
  events: EventGridEvent[];
  posts: Array<{ headers: http.IncomingHttpHeaders; body: EventGridEvent[] }>;
  failNext(n: number, status?: number): void;
  ofType(eventType: string): EventGridEvent[];
  close(): Promise<void>;
}

export async function startEventSink(): Promise<EventSink> {
  const events: EventGridEvent[] = [];
  const posts: EventSink["posts"] = [];
  let failures = 0;
  let failStatus = 500;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (failures > 0) {
        failures--;
        res.writeHead(failStatus).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as EventGridEvent[];
      posts.push({ headers: req.headers, body });
      events.push(...body);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/events`,
    events,
    posts,
    failNext: (n, status = 500) => { failures = n; failStatus = status; },
    ofType: (t) => events.filter((e) => e.eventType === t),
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { statusCode?: number; code?: string; details?: { error?: { code?: string; message?: string; innerError?: { code?: string } } } }> {
  try {
    await promise;
  } catch (err) {
    return err as never;
  }
  throw new Error("expected the promise to reject, but it resolved");
}
