// startLocalVault: one HTTPS server on loopback that hosts every vault by Host header
// ({name}.vault.azure.net, {name}.managedhsm.azure.net) and the management API on
// https://127.0.0.1:{port}/_local.
import https from "node:https";
import type http from "node:http";
import { LOCAL_TENANT_ID } from "../issuer";
import { applyBehaviourPatch, defaultBehaviour } from "./behaviour";
import { ensureTlsMaterial } from "./certificates";
import type { VaultContext } from "./context";
import { handleDataPlaneRequest } from "./dataPlane";
import { VaultError } from "./errors";
import { EventBus } from "./events";
import { startExpiryScanner } from "./expiry";
import { FaultRegistry } from "./faults";
import { hostNameOf, parseVaultHostName, vaultBaseUrl } from "./hosts";
import { readBody, sendError, sendJson } from "./http";
import { handleManagementRequest } from "./managementApi";
import { RequestLog } from "./requestLog";
import { StateStore } from "./state";
import { VaultThrottle } from "./throttling";
import type { LocalVault, LocalVaultOptions } from "./types";

const LOOPBACK_ADDRESSES = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);
const MANAGEMENT_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

async function handleManagement(ctx: VaultContext, req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
  if (!LOOPBACK_ADDRESSES.has(req.socket.remoteAddress ?? "")) {
    return sendError(res, new VaultError(403, "Forbidden", "The management API answers on loopback only."));
  }
  try {
    const result = await handleManagementRequest(ctx, req, body);
    sendJson(res, result.status, result.body);
  } catch (err) {
    if (err instanceof VaultError) return sendError(res, err);
    ctx.log(`keyvault: management error on ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
    sendError(res, new VaultError(500, "InternalServerError", (err as Error).message));
  }
}

export async function startLocalVault(options: LocalVaultOptions): Promise<LocalVault> {
  if (!options?.dataDir) throw new Error("startLocalVault: dataDir is required");
  if (typeof options.verifyToken !== "function") throw new Error("startLocalVault: verifyToken is required");
  // Validated before anything is written: a bad option is the caller's mistake, said at once.
  let behaviour;
  try {
    behaviour = applyBehaviourPatch(defaultBehaviour(), options.behaviour ?? {});
  } catch (err) {
    throw new Error(`startLocalVault: options.behaviour is invalid: ${(err as Error).message}`);
  }
  const tls = ensureTlsMaterial(options.dataDir);
  const store = StateStore.open(options.dataDir);
  const log = options.log ?? (() => undefined);
  const now = options.now ?? Date.now;
  let port = 0;
  const ctx: VaultContext = {
    store,
    bus: new EventBus(store, log),
    faults: new FaultRegistry(),
    requests: new RequestLog(),
    tenantId: options.tenantId ?? LOCAL_TENANT_ID,
    nearExpiryDays: options.nearExpiryDays ?? 30,
    log,
    port: () => port,
    behaviour,
    now,
    throttle: new VaultThrottle(now),
  };

  const server = https.createServer({ key: tls.keyPem, cert: tls.certChainPem, keepAlive: true }, (req, res) => {
    void (async () => {
      let body: Buffer;
      try {
        body = await readBody(req);
      } catch (err) {
        return sendError(res, err instanceof VaultError ? err : new VaultError(400, "BadParameter", "The request body could not be read."));
      }
      const hostname = hostNameOf(req.headers.host);
      const target = parseVaultHostName(hostname);
      if (target) return handleDataPlaneRequest(ctx, { verifyToken: options.verifyToken }, target, req, res, body);
      const pathname = (req.url ?? "/").split("?")[0];
      if (MANAGEMENT_HOSTS.has(hostname) && (pathname === "/_local" || pathname.startsWith("/_local/"))) {
        return handleManagement(ctx, req, res, body);
      }
      sendError(res, new VaultError(404, "NotFound",
        `The local vault serves https://{vault}.vault.azure.net:${port}, https://{hsm}.managedhsm.azure.net:${port} and https://127.0.0.1:${port}/_local; '${req.headers.host ?? ""}${pathname}' is none of them.`));
    })().catch((err: unknown) => {
      log(`keyvault: unhandled error: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) sendError(res, new VaultError(500, "InternalServerError", "The local vault failed to process the request."));
    });
  });
  server.on("clientError", (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  port = typeof address === "object" && address ? address.port : 0;
  const stopScanner = startExpiryScanner(ctx, options.expiryCheckIntervalMs ?? 5000);
  log(`keyvault: listening on https://127.0.0.1:${port} (data in ${options.dataDir})`);

  let stopped: Promise<void> | undefined;
  return {
    port,
    vaultUrl: (name) => vaultBaseUrl("vault", name.toLowerCase(), port),
    managedHsmUrl: (name) => vaultBaseUrl("managedHsm", name.toLowerCase(), port),
    urlTemplate: `https://{vault}.vault.azure.net:${port}`,
    managedHsmUrlTemplate: `https://{vault}.managedhsm.azure.net:${port}`,
    managementUrl: `https://127.0.0.1:${port}/_local`,
    caCertPem: tls.caCertPem,
    caCertPath: tls.caCertPath,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        stopScanner();
        ctx.bus.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
