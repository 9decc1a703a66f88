// What the Functions host sends to Application Insights carries no table name, record id or file
// path. The data routes carry them in the URL path, so the proof is the host's documented
// settings in host.json (configure-monitoring: categories and log levels; host.json reference:
// httpAutoCollectionOptions), and keyward's own function logs (which the host forwards as traces,
// category Function.<name>.User), captured through a whole data workflow with its refusals.
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward, DATA_USER } from "../support/keyward";

const hostJson = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../host.json"), "utf8"));
const LEVELS = ["Trace", "Debug", "Information", "Warning", "Error", "Critical", "None"];

describe("host.json: the host's own telemetry", () => {
  it("writes no requests (Host.Results is the requests table, each with its URL)", () => {
    expect(hostJson.logging.logLevel["Host.Results"]).toBe("None");
  });

  it("collects no extended HTTP trigger information (method, path, response) and none of the host's dependencies", () => {
    expect(hostJson.logging.applicationInsights.httpAutoCollectionOptions.enableHttpTriggerExtendedInfoCollection).toBe(false);
    expect(hostJson.logging.applicationInsights.enableDependencyTracking).toBe(false);
  });

  it("logs no category below Information (Trace and Debug may carry data) and no orchestration inputs or outputs", () => {
    for (const [category, level] of Object.entries(hostJson.logging.logLevel as Record<string, string>)) {
      expect(LEVELS.indexOf(level), `${category}: ${level}`).toBeGreaterThanOrEqual(LEVELS.indexOf("Information"));
    }
    expect(hostJson.extensions.durableTask.tracing).toEqual({ traceInputsAndOutputs: false, traceReplayEvents: false });
  });
});

describe("keyward's function logs (forwarded by the host as traces)", () => {
  const lines: string[] = [];
  let kw: Keyward;
  beforeAll(async () => {
    kw = await Keyward.start({ KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" }, { log: (line) => lines.push(line) });
  });
  afterAll(async () => kw?.stop());

  it("never name a table, record id or file path, through writes, reads, refusals and an add to a policy", async () => {
    const tag = randomUUID().replace(/-/g, "").slice(0, 10);
    const table = `tbl${tag}`, record = `rec${tag}`, file = `dir${tag}/file${tag}.bin`;
    const { policy } = await kw.customerPolicy();
    const env = await kw.environment();
    const user = { oid: DATA_USER, roles: ["Environment.User"] };
    expect((await kw.user("PUT", `environments/${env}/records/${table}/${record}`, { v: 1 })).status).toBeLessThan(300);
    expect((await kw.call("PUT", `environments/${env}/files/${file}`, { as: user, raw: Buffer.from("x") })).status).toBeLessThan(300);
    expect((await kw.user("GET", `environments/${env}/records/${table}/${record}`)).status).toBe(200);
    expect((await kw.user("GET", `environments/${env}/records/${table}`)).status).toBe(200);
    expect((await kw.user("GET", `environments/${env}/records/${table}/missing${tag}`)).status).toBe(404);
    expect((await kw.call("GET", `environments/${env}/records/${table}/${record}`, { as: { oid: randomUUID(), roles: ["Environment.User"] } })).status).toBe(403);
    expect((await kw.call("GET", `environments/${env}/files/${file}`, { as: null })).status).toBe(401);
    const add = await kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env] });
    expect(add.status).toBe(202);
    await kw.until("Encrypted", async () => (await kw.platformAdmin("GET", `environments/${env}`)).body, (e) => e.encryption.status === "Encrypted", 120_000);

    const functionLines = lines.filter((l) => /^\[[A-Za-z0-9_]+\] [a-z]+: /.test(l));
    // Something was logged by the functions themselves (operation steps), so the scan has matter.
    expect(functionLines.length).toBeGreaterThan(0);
    const leaks = lines.filter((l) => [table, record, `file${tag}`, `dir${tag}`].some((name) => l.includes(name)));
    expect(leaks).toEqual([]);
  }, 180_000);
});
