// One keys API request, end to end: vault lookup by host, challenge authentication, fault
// injection, throttling (when on), RBAC as the data plane sees it (role changes arrive after the
// propagation delay), then the operation. Each request lands in the request log.
import type http from "node:http";
import type { VaultContext } from "./context";
import { forbiddenByRbac, throttled, unauthorized, vaultNotFound, VaultError, badParameter } from "./errors";
import { faultError, type Fault } from "./faults";
import { armId, RESOURCE, type VaultHost } from "./hosts";
import { parseJsonObject, sendError, sendJson } from "./http";
import { executeKeysOperation, routeKeysRequest, type KeysRoute } from "./keysApi";
import { actionFor, isAuthorized } from "./rbac";
import { effectiveAssignments } from "./rolePropagation";
import type { VaultState } from "./state";
import { transactionOf } from "./throttling";

export interface DataPlaneOptions {
  /** Verifies signature, issuer shape, lifetime; `tenantId` is the token's tid (checked against the vault's tenant here). */
  verifyToken: (token: string) => Promise<{ oid: string; tenantId?: string }>;
}

/** The vault's own tenant: a token must come from it (Azure: AKV10032 otherwise). */
const tenantOf = (ctx: VaultContext, vault: VaultState): string => vault.tenantId ?? ctx.tenantId;

function challengeHeader(tenantId: string, target: VaultHost): string {
  return `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="${RESOURCE[target.kind]}"`;
}

/** The `aud` claim of a JWT, if the token is one (its signature was verified by verifyToken). */
function audiences(token: string): string[] | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as { aud?: unknown };
    if (typeof payload.aud === "string") return [payload.aud];
    if (Array.isArray(payload.aud)) return payload.aud.filter((a): a is string => typeof a === "string");
  } catch {
    return undefined;
  }
  return undefined;
}

async function authenticate(vaultTenant: string, options: DataPlaneOptions, target: VaultHost, req: http.IncomingMessage): Promise<string> {
  const challenge = challengeHeader(vaultTenant, target);
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw unauthorized("AKV10000: Request is missing a Bearer or PoP token.", challenge);
  let verified: { oid: string; tenantId?: string };
  try {
    verified = await options.verifyToken(match[1]);
  } catch (err) {
    throw unauthorized(`AKV10032: Invalid token. ${(err as Error).message || "The token could not be verified."}`, challenge);
  }
  const oid = verified.oid;
  // As Azure: a vault takes tokens of its own tenant only, whatever the principal's roles.
  if (verified.tenantId && verified.tenantId.toLowerCase() !== vaultTenant.toLowerCase()) {
    throw unauthorized(`AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${vaultTenant}/, https://login.microsoftonline.com/${vaultTenant}/v2.0, found a token of tenant ${verified.tenantId}.`, challenge);
  }
  const aud = audiences(match[1]);
  const resource = RESOURCE[target.kind];
  if (aud && !aud.some((a) => a.replace(/\/+$/, "") === resource)) {
    throw unauthorized(`AKV10022: Invalid audience. Expected ${resource}, found: ${aud.join(", ")}.`, challenge);
  }
  return oid;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts the request against the vault's quota, or refuses it with Azure's 429 (not counted). */
function admit(ctx: VaultContext, vault: VaultState, route: KeysRoute, body: Record<string, unknown>): void {
  const throttling = ctx.behaviour.throttling;
  // Managed HSM limits are not modelled (not in the stored Azure docs).
  if (!throttling.enabled || vault.kind !== "vault") return;
  const tx = transactionOf(throttling.limits, vault, route.operation, route.keyName, route.version, body);
  const verdict = ctx.throttle.admit(vault.name, tx, throttling);
  if (!verdict.admitted) throw throttled(throttling.retryAfter === "seconds" ? verdict.retryAfterSeconds : undefined);
}

export async function handleDataPlaneRequest(
  ctx: VaultContext, options: DataPlaneOptions, target: VaultHost, req: http.IncomingMessage, res: http.ServerResponse, body: Buffer,
): Promise<void> {
  const started = Date.now();
  const url = new URL(req.url ?? "/", "https://vault.local");
  const method = req.method ?? "GET";
  const route = routeKeysRequest(method, url.pathname);
  let principal: string | null = null;
  let fault: Fault | undefined;

  res.once("close", () => {
    const status = res.headersSent ? res.statusCode : 0;
    const entry = ctx.requests.add({
      method, vault: target.name, host: req.headers.host ?? "", path: url.pathname, operation: route?.operation ?? "unknown",
      key: route?.keyName ?? null, status, principal, fault: fault?.id ?? null, durationMs: Date.now() - started,
    });
    ctx.log(`keyvault: ${entry.method} ${target.name} ${entry.path} ${entry.operation} -> ${status || "dropped"}${principal ? ` principal=${principal}` : ""}${fault ? ` fault=${fault.id}` : ""} ${entry.durationMs}ms`);
  });

  try {
    const vault = ctx.store.vault(target.name);
    if (!vault || vault.kind !== target.kind) throw vaultNotFound(req.headers.host ?? target.name);
    principal = await authenticate(tenantOf(ctx, vault), options, target, req);
    // URLSearchParams decodes the SDK's `api%2Dversion` to `api-version`; any version is answered.
    if (!url.searchParams.get("api-version")) throw badParameter("The api-version query parameter (?api-version=) is required for all requests.");
    if (!route) throw badParameter(`The request ${method} ${url.pathname} is not a keys API operation the local vault knows.`);

    fault = ctx.faults.take({ vault: target.name, key: route.keyName, operation: route.operation });
    if (fault) {
      if (fault.latencyMs) await sleep(fault.latencyMs);
      if (fault.drop) {
        req.socket.destroy();
        return;
      }
      if (fault.status) throw faultError(fault);
    }

    const live = ctx.store.vault(target.name);
    if (!live) throw vaultNotFound(req.headers.host ?? target.name);
    const parsed = parseJsonObject(body);
    admit(ctx, live, route, parsed);
    const vaultId = armId(live.kind, live.subscriptionId, live.resourceGroup, live.name);
    const resource = route.keyName ? `${vaultId}/keys/${route.keyName}` : vaultId;
    const action = actionFor(live.kind, route.operation);
    if (!isAuthorized(effectiveAssignments(ctx.store.data, ctx.now()), principal, resource, action)) {
      throw forbiddenByRbac({ oid: principal, tenantId: tenantOf(ctx, live), action, resource, vaultName: live.name });
    }
    const result = await executeKeysOperation(ctx, live, route, parsed);
    sendJson(res, result.status, result.body);
  } catch (err) {
    if (err instanceof VaultError) return sendError(res, err);
    ctx.log(`keyvault: internal error on ${method} ${url.pathname}: ${(err as Error).stack ?? String(err)}`);
    sendError(res, new VaultError(500, "InternalServerError", "The local vault failed to process the request."));
  }
}
