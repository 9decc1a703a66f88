// An orchestration in flight when a new version is deployed: its next replay runs on the new code.
// keyward stamps each orchestration's input with the orchestration code version it started on, and
// an instance stamped with another version fails at its next replay with a message saying so,
// instead of replaying its history on changed code. Real durable host, real replay engine.
import "../../local/functionsCore";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as df from "durable-functions";
import { orchestrator, registerOrchestrator } from "../../orchestrations/orchestrator";
import { setCodeVersion, stampCodeVersion } from "../../shared/operations/codeVersion";
import { codeVersionOfFolder } from "../../shared/operations/codeVersionOfFolder";
import { startRuntime, type RunningRuntime } from "../../local/runtime";
import { testStorage, uniquePrefix } from "../support/storage";
import { durableClientFor, logCollector, waitFor } from "./support";

registerOrchestrator(orchestrator("versionProbe", function* (context, input: { n: number }) {
  const go: unknown = yield context.df.waitForExternalEvent("Go");
  return { n: input.n, go };
}));

let runtime: RunningRuntime;
let client: df.DurableClient;
const logs = logCollector();

beforeAll(async () => {
  runtime = await startRuntime({ storageConnectionString: testStorage(), taskHub: uniquePrefix("ver"), port: 0, timers: false, log: logs.log });
  client = durableClientFor(runtime.host.clientData());
});
afterAll(async () => {
  setCodeVersion(undefined);
  await runtime?.stop();
});

/** Starts versionProbe on `startedOn`, waits until it waits for Go, "deploys" `replayedOn`, sends Go. */
async function startThenDeploy(startedOn: string | undefined, replayedOn: string | undefined, stamp = true): Promise<df.DurableOrchestrationStatus> {
  setCodeVersion(startedOn);
  const id = await client.startNew("versionProbe", { input: stamp ? stampCodeVersion({ n: 7 }) : { n: 7 } });
  await waitFor("waiting for Go", async () => ((await client.getStatus(id)).runtimeStatus === "Running" ? true : undefined));
  setCodeVersion(replayedOn);
  await client.raiseEvent(id, "Go", "now");
  await runtime.host.waitForCompletion(id);
  return client.getStatus(id, { showInput: true });
}

describe("orchestration code version", () => {
  it("stamps the input with the version it started on", async () => {
    const status = await startThenDeploy("v1", "v1");
    expect(status.input).toEqual({ n: 7, keywardCodeVersion: "v1" });
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toEqual({ n: 7, go: "now" });
  });

  it("fails an instance at its next replay on other code, saying what happened and what to do", async () => {
    const status = await startThenDeploy("v1", "v2");
    expect(status.runtimeStatus).toBe("Failed");
    const message = JSON.stringify(status.output);
    expect(message).toContain("versionProbe was started by keyward code version v1 and this deployment runs v2");
    expect(message).toMatch(/Run the operation again/);
    expect(message).toMatch(/KEYWARD_TASK_HUB/);
  });

  it("leaves an unstamped instance alone (started before stamping existed)", async () => {
    const status = await startThenDeploy("v1", "v2", false);
    expect(status.runtimeStatus).toBe("Completed");
  });
});

describe("codeVersionOfFolder", () => {
  it("changes when any orchestration file changes, and only then", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "codever-"));
    fs.mkdirSync(path.join(dir, "sub"));
    fs.writeFileSync(path.join(dir, "a.js"), "yield 1");
    fs.writeFileSync(path.join(dir, "sub", "b.js"), "yield 2");
    fs.writeFileSync(path.join(dir, "notes.md"), "not code");
    const v1 = codeVersionOfFolder(dir);
    expect(v1).toMatch(/^[0-9a-f]{16}$/);
    fs.writeFileSync(path.join(dir, "notes.md"), "other notes");
    expect(codeVersionOfFolder(dir)).toBe(v1);
    fs.writeFileSync(path.join(dir, "sub", "b.js"), "yield 3");
    expect(codeVersionOfFolder(dir)).not.toBe(v1);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("of keyward's own orchestrations is what app.ts would stamp", () => {
    expect(codeVersionOfFolder(path.resolve(__dirname, "../../orchestrations"))).toMatch(/^[0-9a-f]{16}$/);
  });
});
