// One cross-tenant probe, judged: the attacker's caller sends the probe's request (the victim's
// names in it) and the answer must be the right one for the route and the caller's role, and show
// nothing of the victim the request did not already name. A refusal must also be
// indistinguishable from a missing name: the same request with every victim name replaced by a
// name no tenant holds gets the same answer (status, code, message and target, names aside).
import { randomBytes, randomUUID } from "node:crypto";
import type { RouteSpec } from "../../../shared/http/route";
import type { Keyward, ApiResult } from "../../support/keyward";
import type { Principal } from "../../../local/embeddedApi";
import { probePath, type Probe } from "./routeProbes";
import { markersOf, type TenantWorld } from "./world";
import type { CallerName } from "./tenants";

export interface ProbeRequest {
  method: string;
  path: string;
  body?: unknown;
  raw?: { bytes: Buffer; contentType: string };
}

export async function send(kw: Keyward, who: Principal, r: ProbeRequest): Promise<ApiResult> {
  if (r.raw) return kw.call(r.method, r.path, { as: who, raw: r.raw.bytes, headers: { "content-type": r.raw.contentType } });
  return kw.call(r.method, r.path, { as: who, ...(r.body !== undefined ? { body: r.body } : {}) });
}

/** Everything of an answer a client sees, as text: status, headers (but the request id) and body. */
export function answerText(res: ApiResult): string {
  const headers = [...res.headers.entries()].filter(([k]) => !["x-ms-request-id", "date", "content-length", "connection", "keep-alive"].includes(k));
  const body = Buffer.isBuffer(res.body) ? res.body.toString("latin1") : JSON.stringify(res.body);
  return `${res.status} ${JSON.stringify(headers)} ${body}`;
}

const requestText = (r: ProbeRequest) => `${decodeURIComponent(r.path)} ${JSON.stringify(r.body ?? null)} ${r.raw?.bytes.toString("latin1") ?? ""}`;

/** A name of the same shape as `marker` that no tenant holds. */
function twinOf(marker: string): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(marker)) return randomUUID();
  return `${marker.slice(0, Math.max(0, marker.length - 8))}${randomBytes(4).toString("hex")}`;
}

function replaceAll(text: string, pairs: [string, string][]): string {
  let out = text;
  for (const [from, to] of pairs) out = out.split(from).join(to);
  return out;
}

/** The probe's request with every victim name it holds replaced by a missing one, and the map back. */
function missingTwin(r: ProbeRequest, markers: string[]): { twin: ProbeRequest; back: [string, string][] } {
  const used = markers.filter((m) => requestText(r).includes(m)).sort((x, y) => y.length - x.length);
  const forth: [string, string][] = used.map((m) => [m, twinOf(m)]);
  const swap = (s: string) => replaceAll(s, forth.flatMap(([m, t]) => [[m, t], [encodeURIComponent(m), encodeURIComponent(t)]] as [string, string][]));
  const twin: ProbeRequest = {
    method: r.method, path: swap(r.path),
    ...(r.body !== undefined ? { body: JSON.parse(swap(JSON.stringify(r.body))) } : {}),
    ...(r.raw ? { raw: { bytes: Buffer.from(swap(r.raw.bytes.toString("latin1")), "latin1"), contentType: r.raw.contentType } } : {}),
  };
  return { twin, back: forth.map(([m, t]) => [t, m]) };
}

export function probeRequest(spec: RouteSpec, probe: Probe, victim: TenantWorld): ProbeRequest {
  return { method: spec.method, path: probePath(spec, probe, victim), ...(probe.body !== undefined ? { body: probe.body } : {}), ...(probe.raw ? { raw: probe.raw } : {}) };
}

export interface ProbeOutcome {
  what: string;
  status: number;
  code?: string;
  /** keyward's request id of the answer (the audit row's). */
  requestId?: string;
  violations: string[];
}

/** Sends one probe as one of the attacker's callers; returns what is wrong with the answer (nothing, when right). */
export async function judgeProbe(kw: Keyward, spec: RouteSpec, probe: Probe, victim: TenantWorld, attacker: TenantWorld, callerName: CallerName): Promise<ProbeOutcome> {
  const caller = probe.expect === "anonymous" ? null : attacker.who[callerName];
  const request = probeRequest(spec, probe, victim);
  const what = `${callerName} ${request.method} ${request.path}${probe.note ? ` (${probe.note})` : ""}`;
  const res = caller ? await send(kw, caller, request) : await kw.call(request.method, request.path);
  const text = answerText(res);
  const violations: string[] = [];
  const markers = markersOf(victim);
  const shown = markers.filter((m) => text.includes(m) && !requestText(request).includes(m));
  if (shown.length) violations.push(`shows the victim's ${shown.join(", ")}`);
  if (res.status >= 500) violations.push(`answered ${res.status}`);
  const code = res.body?.error?.code as string | undefined;
  const allowed = caller === null || spec.roles.some((r) => caller.roles.includes(r));
  if (!allowed) {
    if (res.status !== 403 || code !== "AuthorizationFailed") violations.push(`a caller without the route's role got ${res.status} ${code ?? ""}, not 403 AuthorizationFailed`);
  } else if (probe.expect === "refused") {
    if (res.status !== 404 && res.status !== 403) violations.push(`answered ${res.status} ${code ?? ""} (${JSON.stringify(res.body).slice(0, 200)}), not 404 or 403`);
    else {
      // Indistinguishable from a name no tenant holds.
      const { twin, back } = missingTwin(request, markers);
      const twinRes = await send(kw, caller!, twin);
      const twinText = replaceAll(answerText(twinRes), back);
      if (twinText !== text) violations.push(`answers otherwise than for a missing name:\n      victim's: ${text.slice(0, 300)}\n      missing:  ${twinText.slice(0, 300)}`);
    }
  } else if (probe.expect === "ownOnly" || probe.expect === "createsOwn") {
    if (res.status < 200 || res.status >= 300) violations.push(`answered ${res.status} ${code ?? ""} (${JSON.stringify(res.body).slice(0, 200)}), not its own tenant's 2xx`);
  } else if (res.status !== 200) {
    violations.push(`anonymous route answered ${res.status}`);
  }
  return { what, status: res.status, code, requestId: res.headers.get("x-ms-request-id") ?? undefined, violations };
}

export interface ProbeJob {
  spec: RouteSpec;
  probe: Probe;
  caller: CallerName;
}

/** Every job judged, `width` at a time (the answers do not depend on the order within a stage). */
export async function judgeAll(kw: Keyward, jobs: ProbeJob[], victim: TenantWorld, attacker: TenantWorld, width = 4): Promise<ProbeOutcome[]> {
  const out: ProbeOutcome[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      out.push(await judgeProbe(kw, job.spec, job.probe, victim, attacker, job.caller));
    }
  }));
  return out;
}

/** The failure report: each wrong answer with what was wrong. */
export function report(outcomes: ProbeOutcome[]): string {
  return outcomes.filter((o) => o.violations.length).map((o) => `${o.what} -> ${o.status} ${o.code ?? ""}\n    ${o.violations.join("\n    ")}`).join("\n");
}
