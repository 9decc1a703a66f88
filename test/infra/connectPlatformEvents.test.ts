// The postdeploy hook provisions the platform vault's Event Grid subscription once, and only after
// keyward answers: against a real HTTP server standing in for the app, with azd's commands recorded.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectError, connectPlatformEvents } from "../../infra/scripts/connectPlatformEvents.mjs";

let server: http.Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** An app whose /api/health answers `statuses` in turn (the last one from then on). */
async function app(statuses: number[]): Promise<{ api: string; hits: () => number }> {
  let hits = 0;
  server = http.createServer((req, res) => {
    const status = req.url === "/api/health" ? statuses[Math.min(hits++, statuses.length - 1)] : 404;
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ status: status === 200 ? "Healthy" : "Unhealthy" }));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { api: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`, hits: () => hits };
}

function recorder(exitCodes: number[] = []) {
  const calls: string[] = [];
  return { calls, run: (command: string, args: string[]) => { calls.push([command, ...args].join(" ")); return exitCodes[calls.length - 1] ?? 0; } };
}

const quiet = () => undefined;

describe("connectPlatformEvents (azd postdeploy hook)", () => {
  it("waits through the app's start (502, then 503 from a running host) and provisions again with the events on", async () => {
    const { api, hits } = await app([502, 502, 503]);
    const azd = recorder();
    await expect(connectPlatformEvents({ env: { KEYWARD_API: api }, run: azd.run, log: quiet, pollMs: 10, timeoutMs: 30_000 })).resolves.toBe("connected");
    expect(hits()).toBe(3);
    expect(azd.calls).toEqual(["azd env set KEYWARD_PLATFORM_EVENTS true", "azd provision --no-prompt"]);
  });

  it("does nothing once the events are on", async () => {
    const azd = recorder();
    await expect(connectPlatformEvents({ env: { KEYWARD_PLATFORM_EVENTS: "true" }, run: azd.run, log: quiet })).resolves.toBe("already-connected");
    expect(azd.calls).toEqual([]);
  });

  it("gives up with a clear error, and runs no azd command, when the app never answers", async () => {
    const { api } = await app([404]);
    const azd = recorder();
    await expect(connectPlatformEvents({ env: { KEYWARD_API: api }, run: azd.run, log: quiet, pollMs: 10, timeoutMs: 200 }))
      .rejects.toThrow(/did not answer .*\/api\/health within 0 s \(last: HTTP 404\).*azd hooks run postdeploy/);
    expect(azd.calls).toEqual([]);
  });

  it("refuses to run without KEYWARD_API and reports a failed azd command with what to run", async () => {
    await expect(connectPlatformEvents({ env: {}, run: recorder().run, log: quiet })).rejects.toThrow(ConnectError);
    const { api } = await app([200]);
    const azd = recorder([0, 1]);
    await expect(connectPlatformEvents({ env: { KEYWARD_API: api }, run: azd.run, log: quiet, pollMs: 10, timeoutMs: 30_000 }))
      .rejects.toThrow(/'azd provision --no-prompt' failed \(exit 1\).*azd provision/);
  });
});
