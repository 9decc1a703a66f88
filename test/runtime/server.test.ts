// The local HTTP server: routing of app.http functions, bytes in and out, error handling, and
// Event Grid delivery in both schemas with the validation handshakes.
import "../../local/functionsCore";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, type RunningRuntime } from "../../local/runtime";
import { testStorage, uniquePrefix } from "../support/storage";
import { seen } from "./fixtures/triggerSamples";
import { logCollector } from "./support";

let runtime: RunningRuntime;
const logs = logCollector();

beforeAll(async () => {
  runtime = await startRuntime({ storageConnectionString: testStorage(), taskHub: uniquePrefix("srv"), port: 0, timers: false, log: logs.log, hostJson: {} });
});

afterAll(async () => {
  await runtime?.stop();
});

async function getJson(path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${runtime.baseUrl}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe("HTTP routing", () => {
  it("matches parameters, optional parameters and URL-decodes their values", async () => {
    expect((await getJson("/api/vaults/v1/keys/my%20key/versions/abc%2Fdef")).body).toMatchObject({
      label: "keyVersion",
      params: { vault: "v1", name: "my key", version: "abc/def" },
    });
    const withoutVersion = await getJson("/api/vaults/v1/keys/k1/versions");
    expect(withoutVersion.body).toMatchObject({ label: "keyVersion", params: { vault: "v1", name: "k1" } });
    expect(withoutVersion.body.params).not.toHaveProperty("version");
  });

  it("prefers literal segments over parameters and matches literals case-insensitively", async () => {
    expect((await getJson("/api/vaults/v1/keys/new")).body.label).toBe("newKey");
    expect((await getJson("/api/VAULTS/v1/Keys/NEW")).body.label).toBe("newKey");
    expect((await getJson("/api/vaults/v1/keys/other")).body.label).toBe("anyKey");
  });

  it("captures the rest of the path with a catch-all", async () => {
    expect((await getJson("/api/files/a/b%20c/d.txt")).body).toMatchObject({ label: "files", params: { path: "a/b c/d.txt" } });
    expect((await getJson("/api/files")).body).toMatchObject({ label: "files", params: {} });
  });

  it("ignores constraints, defaults the route to the function name, passes the query", async () => {
    expect((await getJson("/api/items/not-a-guid")).body).toMatchObject({ label: "guidRoute", params: { id: "not-a-guid" } });
    expect((await getJson("/api/defaultRoute?x=1&y=two")).body).toMatchObject({ label: "defaultRoute", query: { x: "1", y: "two" } });
    // Without `methods`, @azure/functions registers GET and POST (and nothing else).
    expect((await getJson("/api/anything", { method: "POST" })).body).toMatchObject({ label: "allMethods", method: "POST" });
    expect((await getJson("/api/anything", { method: "PATCH" })).status).toBe(404);
  });

  it("routes by method and answers 404 JSON for unknown routes and methods", async () => {
    expect((await getJson("/api/vaults/v1/keys/k1", { method: "DELETE" })).body.label).toBe("anyKey");
    const wrongMethod = await getJson("/api/vaults/v1/keys/k1", { method: "POST" });
    expect(wrongMethod.status).toBe(404);
    const unknown = await getJson("/api/no/such/route");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe("Not Found");
    expect((await getJson("/elsewhere")).status).toBe(404);
  });

  it("passes binary bodies through byte for byte, with headers and cookies", async () => {
    const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) % 256));
    const res = await fetch(`${runtime.apiBaseUrl}/binary`, { method: "POST", body: bytes, headers: { "content-type": "application/octet-stream" } });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-length")).toBe("512");
    expect(res.headers.get("x-content-type-seen")).toBe("application/octet-stream");
    expect(res.headers.getSetCookie()).toEqual(["session=abc; Path=/; HttpOnly"]);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("accepts a chunked request body", async () => {
    const { status, body } = await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const req = http.request(`${runtime.apiBaseUrl}/binary`, { method: "POST", headers: { "transfer-encoding": "chunked", connection: "close" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      });
      req.on("error", reject);
      req.write(Buffer.from([1, 2, 3]));
      req.end(Buffer.from([4, 5]));
    });
    expect(status).toBe(201);
    expect([...body]).toEqual([1, 2, 3, 4, 5]);
  });

  it("answers 204 when the function returns nothing", async () => {
    const res = await fetch(`${runtime.apiBaseUrl}/nothing`, { method: "POST" });
    expect(res.status).toBe(204);
  });

  it("turns an exception into a generic 500 and logs the details", async () => {
    const res = await getJson("/api/explodes");
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain("secret internal detail");
    expect(logs.lines.some((l) => l.includes("secret internal detail"))).toBe(true);
  });
});

describe("Event Grid delivery", () => {
  const url = (fn: string, code: string | null = runtime.systemKeys.eventgrid) =>
    `${runtime.baseUrl}/runtime/webhooks/eventgrid?functionName=${fn}${code === null ? "" : `&code=${encodeURIComponent(code)}`}`;
  const post = (fn: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url(fn), { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });

  it("answers the Event Grid subscription validation handshake without invoking the function", async () => {
    const before = seen.events.length;
    const res = await post("vaultEvents", [
      { id: "1", topic: "t", subject: "", eventType: "Microsoft.EventGrid.SubscriptionValidationEvent", eventTime: new Date().toISOString(), data: { validationCode: "code-123" }, dataVersion: "2", metadataVersion: "1" },
    ], { "aeg-event-type": "SubscriptionValidation" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ validationResponse: "code-123" });
    expect(seen.events.length).toBe(before);
  });

  it("refuses a delivery without the eventgrid_extension key, or with a wrong one, and invokes nothing", async () => {
    seen.events.length = 0;
    const event = { id: "k", topic: "t", subject: "keys/k", eventType: "Microsoft.KeyVault.KeyNewVersionCreated", eventTime: new Date().toISOString(), data: {}, dataVersion: "1", metadataVersion: "1" };
    for (const target of [url("vaultEvents", null), url("vaultEvents", "wrong"), url("vaultEvents", runtime.systemKeys.durabletask)]) {
      const res = await fetch(target, { method: "POST", body: JSON.stringify([event]), headers: { "aeg-event-type": "Notification" } });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { message: string }).message).toContain("eventgrid_extension");
    }
    expect(seen.events).toHaveLength(0);
    // The key may come as the x-functions-key header instead.
    const viaHeader = await fetch(url("vaultEvents", null), { method: "POST", body: JSON.stringify([event]), headers: { "aeg-event-type": "Notification", "x-functions-key": runtime.systemKeys.eventgrid } });
    expect(viaHeader.status).toBe(202);
    expect(seen.events).toHaveLength(1);
  });

  it("invokes the function once per Event Grid schema event", async () => {
    seen.events.length = 0;
    const events = ["a", "b"].map((id) => ({
      id, topic: "/subscriptions/x/vaults/v", subject: `keys/${id}`, eventType: "Microsoft.KeyVault.KeyNewVersionCreated",
      eventTime: new Date().toISOString(), data: { ObjectName: id }, dataVersion: "1", metadataVersion: "1",
    }));
    const res = await post("vaultEvents", events, { "aeg-event-type": "Notification" });
    expect(res.status).toBe(202);
    expect(seen.events.map((e) => [e.fn, e.event.id, e.event.subject])).toEqual([["vaultEvents", "a", "keys/a"], ["vaultEvents", "b", "keys/b"]]);
  });

  it("accepts CloudEvents, single and batched, and the CloudEvents OPTIONS handshake", async () => {
    seen.events.length = 0;
    const cloudEvent = (id: string) => ({ specversion: "1.0", id, source: "/vaults/v", type: "Microsoft.KeyVault.KeyExpired", time: new Date().toISOString(), data: { ObjectName: id } });
    expect((await post("vaultEvents", cloudEvent("c1"), { "content-type": "application/cloudevents+json" })).status).toBe(202);
    expect((await post("vaultEvents", [cloudEvent("c2"), cloudEvent("c3")])).status).toBe(202);
    expect(seen.events.map((e) => e.event.id)).toEqual(["c1", "c2", "c3"]);
    expect(seen.events[0].event.type).toBe("Microsoft.KeyVault.KeyExpired");

    const options = await fetch(url("vaultEvents"), { method: "OPTIONS", headers: { "WebHook-Request-Origin": "eventgrid.azure.net" } });
    expect(options.status).toBe(200);
    expect(options.headers.get("webhook-allowed-origin")).toBe("eventgrid.azure.net");
  });

  it("reports unknown functions, bad bodies and failing handlers", async () => {
    expect((await post("noSuchFunction", [])).status).toBe(404);
    expect((await fetch(url("vaultEvents"), { method: "POST", body: "not json" })).status).toBe(400);
    const failing = await post("failingEvents", [{ id: "x", eventType: "T", subject: "s", eventTime: new Date().toISOString(), data: {} }]);
    expect(failing.status).toBe(500);
    expect(await failing.text()).not.toContain("cannot handle this event");
  });
});
