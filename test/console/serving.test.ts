// The console as the app serves it, over HTTP against a whole embedded keyward (no browser):
// index.html at / and at any /console/ page, the built assets, the sign-in configuration, API
// routes winning over the static catch-all (host.json routePrefix "" with "api/" on every API
// route), JSON 404s that never leak a file, and the local issuer's token endpoint the sign-in
// page uses (tid, loopback-only CORS). Also GET .../candidates: the add's own checks, per environment.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { LOCAL_TENANT_ID } from "../../local/issuer";
import { LOCAL_PRINCIPALS, SECOND_LOCAL_TENANT_ID } from "../../local/localPrincipals";
import { consoleConfig } from "../../functions/console/consoleConfig";

const DIST = path.resolve(__dirname, "../../dist/console");
let kw: Keyward;
let base: string;

const get = (p: string, init?: RequestInit) => fetch(`${base}${p}`, init);

beforeAll(async () => {
  if (!fs.existsSync(path.join(DIST, "index.html"))) throw new Error(`${DIST} is not built: run 'npm run build' first (npm test does).`);
  kw = await Keyward.start();
  base = kw.stack.baseUrl;
});
afterAll(async () => kw?.stop());

describe("static files", () => {
  it("serves index.html at /, /console/ and any console page, never cached, with a CSP that allows only this site and the sign-in service", async () => {
    const index = fs.readFileSync(path.join(DIST, "index.html"), "utf8");
    for (const p of ["/", "/console", "/console/", "/console/policies", "/console/environments/env-1", "/console/policies/p/key"]) {
      const res = await get(p);
      expect(res.status, p).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(await res.text()).toBe(index);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain(`connect-src 'self' ${new URL(kw.stack.issuer.tokenEndpoint).origin}`);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("serves every built asset with its type, cached for good (the names carry a hash)", async () => {
    const assets = fs.readdirSync(path.join(DIST, "assets"));
    expect(assets.some((a) => a.endsWith(".js"))).toBe(true);
    for (const a of assets) {
      const res = await get(`/console/assets/${a}`);
      expect(res.status, a).toBe(200);
      expect(res.headers.get("content-type")).toMatch(a.endsWith(".js") ? /^text\/javascript/ : a.endsWith(".css") ? /^text\/css/ : /./);
      expect(res.headers.get("cache-control")).toContain("immutable");
      expect(Buffer.from(await res.arrayBuffer()).equals(fs.readFileSync(path.join(DIST, "assets", a)))).toBe(true);
    }
    const head = await get("/console/favicon.svg", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("image/svg+xml");
  });

  it("answers a missing file, a path outside the console and an escape attempt with a JSON 404 that shows no file", async () => {
    for (const p of ["/console/assets/nope.js", "/favicon.ico", "/package.json", "/console/..%2f..%2fpackage.json", "/console/%2e%2e/%2e%2e/host.json", "/console/..%5c..%5chost.json"]) {
      const res = await get(p);
      expect(res.status, p).toBe(404);
      const body: any = await res.json();
      expect(body.error.code, p).toBe("NotFound");
      expect(JSON.stringify(body)).not.toContain("extensionBundle");
    }
  });
});

describe("API routes beside the console", () => {
  it("still answer under /api, and an unknown /api path or method is a JSON 404, not the console", async () => {
    expect((await get("/api/health")).status).toBe(200);
    const doc: any = await (await get("/api/openapi.json")).json();
    // The document names the routes under its server URL /api, as before the prefix moved into the routes.
    expect(doc.servers.map((s: { url: string }) => s.url)).toContain("/api");
    expect(Object.keys(doc.paths)).toContain("/enterprisePolicies/{name}/candidates");
    expect(Object.keys(doc.paths).some((p) => p.startsWith("/api/"))).toBe(false);
    for (const [method, p] of [["GET", "/api/nope"], ["GET", "/api/enterprisePolicies/x/environments"], ["GET", "/api"]] as const) {
      const res = await get(p, { method });
      expect(res.status, `${method} ${p}`).toBe(404);
      expect(res.headers.get("content-type"), p).toContain("application/json");
      expect(((await res.json()) as any).error.code).toBe("NotFound");
    }
    // An API route that needs a token still asks for one: the catch-all took nothing from it.
    const policies = await get("/api/enterprisePolicies");
    expect(policies.status).toBe(401);
    expect(((await policies.json()) as any).error.code).toBe("Unauthorized");
  });
});

describe("sign-in configuration", () => {
  it("on the embedded default lists each role in the local tenant and a second tenant, with the local token endpoint", async () => {
    const res = await get("/console/config.json");
    expect(res.status).toBe(200);
    const config: any = await res.json();
    expect(config.mode).toBe("local");
    expect(config.tokenEndpoint).toBe(kw.stack.issuer.tokenEndpoint);
    expect(config.audience).toBe("api://keyward");
    const ids = config.identities as { oid: string; tid: string; roles: string[] }[];
    for (const tid of [LOCAL_TENANT_ID, SECOND_LOCAL_TENANT_ID]) {
      expect(ids.filter((i) => i.tid === tid).map((i) => i.roles[0]).sort()).toEqual(["Environment.User", "Keys.Admin", "Platform.Admin"]);
    }
    expect(ids.find((i) => i.tid === LOCAL_TENANT_ID && i.roles[0] === "Platform.Admin")!.oid).toBe(LOCAL_PRINCIPALS["Platform.Admin"]);
  });

  it("in Azure is msal with the app registration, says what is missing when it is not set, and never offers the local sign-in outside local mode", () => {
    const azure = { KEYWARD_CONSOLE_CLIENT_ID: "0000-client", KEYWARD_AUTH_ISSUER: "https://login.microsoftonline.com/tenant-1/v2.0", KEYWARD_AUTH_AUDIENCE: "api://kw" };
    expect(consoleConfig(azure)).toEqual({ mode: "msal", clientId: "0000-client", authority: "https://login.microsoftonline.com/tenant-1", apiScope: "api://kw/.default" });
    expect(consoleConfig({ ...azure, KEYWARD_CONSOLE_AUTHORITY: "https://login.microsoftonline.com/organizations", KEYWARD_CONSOLE_API_SCOPE: "api://kw/Admin" }))
      .toMatchObject({ authority: "https://login.microsoftonline.com/organizations", apiScope: "api://kw/Admin" });
    const missing = consoleConfig({ KEYWARD_AUTH_ISSUER: azure.KEYWARD_AUTH_ISSUER });
    expect(missing.mode).toBe("unconfigured");
    expect(missing.mode === "unconfigured" && missing.message).toContain("KEYWARD_CONSOLE_CLIENT_ID");
    const notLocal = consoleConfig({ ...azure, KEYWARD_CONSOLE_AUTH_MODE: "local", KEYWARD_IDENTITY_MODE: "managedIdentity", KEYWARD_LOCAL_TOKEN_ENDPOINT: "http://127.0.0.1:1/token" });
    expect(notLocal.mode).toBe("unconfigured");
  });
});

describe("the local token endpoint the sign-in page calls", () => {
  it("mints a token for the tenant asked, answers CORS for loopback origins only, and refuses a bad tid", async () => {
    const endpoint = kw.stack.issuer.tokenEndpoint;
    const body = JSON.stringify({ oid: LOCAL_PRINCIPALS["Keys.Admin"], roles: ["Keys.Admin"], tid: SECOND_LOCAL_TENANT_ID, audience: "api://keyward" });
    const res = await fetch(endpoint, { method: "POST", headers: { "content-type": "application/json", origin: base }, body });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(base);
    const token = ((await res.json()) as any).access_token as string;
    expect(JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).tid).toBe(SECOND_LOCAL_TENANT_ID);
    const preflight = await fetch(endpoint, { method: "OPTIONS", headers: { origin: base, "access-control-request-method": "POST" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("content-type");
    const foreign = await fetch(endpoint, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    const bad = await fetch(endpoint, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ oid: "x", audience: "a", tid: "not-a-guid" }) });
    expect(bad.status).toBe(400);
  });
});

describe("GET /api/enterprisePolicies/{name}/candidates", () => {
  it("gives each environment the add's own verdict, in the add's order, and agrees with the add", async () => {
    const p = await kw.customerPolicy();
    const ok = await kw.environment();
    const trial = await kw.environment({ type: "Trial" });
    const elsewhere = await kw.environment({ region: "unitedstates" });
    const unmanaged = await kw.environment({ managed: false });
    const res = await kw.platformAdmin("GET", `enterprisePolicies/${p.policy}/candidates`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const byId = new Map((res.body.value as { environmentId: string; eligible: boolean; code?: string; message?: string }[]).map((c) => [c.environmentId, c]));
    expect(byId.get(ok)).toMatchObject({ eligible: true });
    expect(byId.get(ok)!.code).toBeUndefined();
    expect(byId.get(trial)).toMatchObject({ eligible: false, code: "EnvironmentTypeNotSupported" });
    expect(byId.get(elsewhere)).toMatchObject({ eligible: false, code: "RegionMismatch" });
    expect(byId.get(unmanaged)).toMatchObject({ eligible: false, code: "ManagedEnvironmentRequired" });
    // The add refuses each ineligible one with the very code the list gave.
    for (const id of [trial, elsewhere, unmanaged]) {
      const add = await kw.platformAdmin("POST", `enterprisePolicies/${p.policy}/environments`, { environmentIds: [id] });
      expect(add.body.error.code, id).toBe(byId.get(id)!.code);
    }
    // Without Reader the list is refused as the add is; a key vault admin is not offered it.
    await kw.keysAdmin("DELETE", `enterprisePolicies/${p.policy}/readers/${(await kw.keysAdmin("GET", `enterprisePolicies/${p.policy}`)).body.properties.readers[0]}`);
    expect((await kw.platformAdmin("GET", `enterprisePolicies/${p.policy}/candidates`)).body.error.code).toBe("PolicyReaderRequired");
    expect((await kw.keysAdmin("GET", `enterprisePolicies/${p.policy}/candidates`)).status).toBe(403);
  });

  it("marks every environment LicenseRequired while the tenant has no entitling subscription", async () => {
    const p = await kw.customerPolicy();
    await kw.environment();
    await kw.platformAdmin("PUT", "tenant/licenses", { subscriptions: [] });
    const res = await kw.platformAdmin("GET", `enterprisePolicies/${p.policy}/candidates`);
    expect(res.body.value.length).toBeGreaterThan(0);
    expect(res.body.value.every((c: { eligible: boolean; code: string }) => !c.eligible && c.code === "LicenseRequired")).toBe(true);
    await kw.platformAdmin("PUT", "tenant/licenses", { subscriptions: ["Microsoft 365 E5"] });
  });
});
