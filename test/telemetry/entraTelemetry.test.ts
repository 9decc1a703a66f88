// keyward's own telemetry to an Application Insights instance with local authentication off:
// with APPLICATIONINSIGHTS_AUTHENTICATION_STRING "Authorization=AAD;ClientId=..." the exporter sends
// each batch with an Entra token of keyward's identity (here the local issuer's, for audience
// https://monitor.azure.com); without it, none. The ingestion endpoint is a local HTTPS server that
// records what arrives; keyward runs in a child process (the compiled dist/, trusting the local CA
// through NODE_EXTRA_CA_CERTS as a real endpoint's certificate is trusted).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { randomUUID } from "node:crypto";
import { startLocalIssuer, type LocalIssuer } from "../../local/issuer";
import { ensureTlsMaterial, type TlsMaterial } from "../../local/keyvault/certificates";
import { readSettings } from "../../shared/settings";

const ROOT = path.resolve(__dirname, "../..");
const TELEMETRY = path.join(ROOT, "dist/shared/telemetry.js");
const PRINCIPAL = randomUUID();

interface Received { path: string; authorization?: string; body: string }
let issuer: LocalIssuer;
let tls: TlsMaterial;
let server: https.Server;
let port = 0;
const received: Received[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-ai-"));

beforeAll(async () => {
  tls = ensureTlsMaterial(dir);
  issuer = await startLocalIssuer({});
  server = https.createServer({ key: tls.keyPem, cert: tls.certChainPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers["content-encoding"] === "gzip" ? zlib.gunzipSync(raw).toString("utf8") : raw.toString("utf8");
      received.push({ path: req.url ?? "", authorization: req.headers.authorization, body });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await issuer?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs keyward's telemetry module in a child: one event, then a flush. */
async function sendEvent(name: string, extraEnv: Record<string, string>): Promise<Received[]> {
  expect(fs.existsSync(TELEMETRY), "build first: npx tsc -p tsconfig.json").toBe(true);
  const script = `
    const t = require(${JSON.stringify(TELEMETRY)});
    t.trackEvent(${JSON.stringify(name)}, { step: "one" });
    Promise.resolve(require("applicationinsights").defaultClient.flush()).then(() => setTimeout(() => process.exit(0), 1500));`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: tls.caCertPath,
    APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${randomUUID()};IngestionEndpoint=https://127.0.0.1:${port}/`,
    KEYWARD_IDENTITY_MODE: "local", KEYWARD_LOCAL_TOKEN_ENDPOINT: issuer.tokenEndpoint, KEYWARD_PLATFORM_PRINCIPAL_ID: PRINCIPAL,
    APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL: "true",
    ...extraEnv,
  };
  const child = spawn(process.execPath, ["-e", script], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => { output += d.toString(); });
  child.stderr.on("data", (d: Buffer) => { output += d.toString(); });
  const code = await new Promise<number | null>((r) => child.on("exit", r));
  expect(code, output).toBe(0);
  return received.filter((r) => r.body.includes(name));
}

function claimsOf(authorization: string | undefined): Record<string, unknown> {
  const token = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
  if (!token) return {};
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as Record<string, unknown>;
}

describe("Application Insights with an Entra credential", () => {
  it("sends keyward's telemetry with a token of its identity when APPLICATIONINSIGHTS_AUTHENTICATION_STRING says AAD", async () => {
    const batches = await sendEvent("keyward.test.entra", { APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${PRINCIPAL}` });
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) {
      expect(b.path).toMatch(/\/v2(\.1)?\/track/);
      const claims = claimsOf(b.authorization);
      expect(claims.oid).toBe(PRINCIPAL);
      expect(String(claims.aud).replace(/\/+$/, "")).toBe("https://monitor.azure.com");
    }
  }, 60_000);

  it("sends none without it (connection string only)", async () => {
    const batches = await sendEvent("keyward.test.plain", {});
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) expect(b.authorization).toBeUndefined();
  }, 60_000);

  it("refuses a malformed authentication string at start, naming the setting", () => {
    expect(() => readSettings({ APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "ClientId=x" })).toThrow(/APPLICATIONINSIGHTS_AUTHENTICATION_STRING/);
    expect(readSettings({ APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "authorization=AAD;clientid=abc" }).appInsightsEntraAuth).toEqual({ clientId: "abc" });
  });
});
