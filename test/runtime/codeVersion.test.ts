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
import { codeVersionFiles, codeVersionOfFolder } from "../../shared/operations/codeVersionOfFolder";
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
    expect(codeVersionOfFolder(path.resolve(__dirname, "../../orchestrations"), path.resolve(__dirname, "../.."))).toMatch(/^[0-9a-f]{16}$/);
  });

  it("covers every file the folder imports from elsewhere in the app, transitively, and no other", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "codever-"));
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    };
    // As written in TypeScript and as tsc compiles it; a circle back into orchestrations/; a type-only import.
    write("orchestrations/a.ts", 'import { b } from "../shared/b";\nimport type { T } from "../shared/types";\nimport df from "durable-functions";\nexport const a = b;\n');
    write("shared/b.js", 'const c_1 = require("./deep/c");\nexports.b = c_1.c;\n');
    write("shared/deep/c.ts", 'export { a } from "../../orchestrations/a";\nexport const c = 1;\n');
    write("shared/types.ts", "export type T = number;\n");
    write("shared/unrelated.ts", "export const u = 1;\n");
    const version = () => codeVersionOfFolder(path.join(root, "orchestrations"), root);
    try {
      expect(codeVersionFiles(path.join(root, "orchestrations"), root)).toEqual(["orchestrations/a.ts", "shared/b.js", "shared/deep/c.ts"]);
      const v1 = version();
      write("shared/unrelated.ts", "export const u = 2;\n");
      write("shared/types.ts", "export type T = string;\n");
      expect(version()).toBe(v1);
      write("shared/deep/c.ts", 'export { a } from "../../orchestrations/a";\nexport const c = 2;\n');
      const v2 = version();
      expect(v2).not.toBe(v1);
      write("shared/b.js", 'const c_1 = require("./deep/c");\nexports.b = c_1.c + 1;\n');
      expect(version()).not.toBe(v2);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("of keyward's orchestrations reaches shared/ files, the same ones in the sources and in the build app.ts runs from (npm run build)", () => {
    const root = path.resolve(__dirname, "../..");
    const sources = codeVersionFiles(path.join(root, "orchestrations"), root);
    const built = codeVersionFiles(path.join(root, "dist/orchestrations"), path.join(root, "dist"));
    expect(sources).toEqual(expect.arrayContaining(["orchestrations/orchestrator.ts", "shared/operations/codeVersion.ts", "shared/errors.ts"]));
    expect(built.map((f) => f.replace(/\.js$/, ".ts"))).toEqual(sources);
  });
});
