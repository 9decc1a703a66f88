// A real crash: a child process runs an orchestration of five activities, is SIGKILLed while the
// third is in flight, and a new process over the same tables finishes it. Activities that had
// completed before the kill must not run again; the one in flight runs again (at least once).
//
// How the child runs: test/runtime/fixtures/crashChild.ts is compiled here with the project's own
// TypeScript (test/runtime/fixtures/tsconfig.json -> dist/test-fixtures) and started with `node`.
// That needs nothing beyond the pinned devDependencies and does not depend on a prior build.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TableClient } from "@azure/data-tables";
import { HistoryStore } from "../../local/durable/historyStore";
import type { DurableClientData } from "../../local/durable/clientData";
import { testStorage, uniquePrefix } from "../support/storage";
import { durableClientFor, waitFor } from "./support";

const root = path.resolve(__dirname, "../..");
const childScript = path.join(root, "dist/test-fixtures/test/runtime/fixtures/crashChild.js");

interface RunningChild {
  process: ChildProcess;
  clientData: DurableClientData;
  stderr: string[];
}

const taskHub = uniquePrefix("crash");
const recordTable = uniquePrefix("crashrec");
const children: ChildProcess[] = [];

function startChild(env: Record<string, string>): Promise<RunningChild> {
  const child = spawn(process.execPath, [childScript], {
    cwd: root,
    env: { ...process.env, CRASH_STORAGE: testStorage(), CRASH_TASK_HUB: taskHub, CRASH_RECORD_TABLE: recordTable, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const stderr: string[] = [];
  child.stderr?.on("data", (d: Buffer) => stderr.push(d.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      if (line.startsWith("READY ")) resolve({ process: child, clientData: JSON.parse(line.slice(6)) as DurableClientData, stderr });
    });
    child.once("exit", (code) => reject(new Error(`crash child exited (${code}) before it was ready: ${stderr.join("")}`)));
  });
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

async function executions(instanceId: string): Promise<Map<number, number[]>> {
  const table = TableClient.fromConnectionString(testStorage(), recordTable, { allowInsecureConnection: true });
  const byStep = new Map<number, number[]>();
  for await (const row of table.listEntities<{ step: number; pid: number }>({ queryOptions: { filter: `PartitionKey eq '${instanceId}'` } })) {
    byStep.set(row.step, [...(byStep.get(row.step) ?? []), row.pid]);
  }
  return byStep;
}

beforeAll(() => {
  execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", path.join(root, "test/runtime/fixtures/tsconfig.json")], {
    cwd: root,
    stdio: "pipe",
  });
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

describe("crash and resume", () => {
  it("finishes an orchestration after SIGKILL without re-running completed activities", async () => {
    const first = await startChild({ CRASH_HANG_AT: "3" });
    const instanceId = uniquePrefix("crashy");
    await durableClientFor(first.clientData).startNew("crashy", { instanceId });

    // Step 3 has started (and will never finish in this process): kill it there.
    await waitFor("step 3 to start", async () => ((await executions(instanceId)).has(3) ? true : undefined));
    await killHard(first.process);

    const store = new HistoryStore(testStorage(), taskHub);
    const orphaned = await store.loadState(instanceId);
    expect(orphaned?.runtimeStatus).toBe("Running");
    expect(Object.values(orphaned?.pending ?? {})).toEqual([{ kind: "activity", name: "recordStep", input: 3 }]);

    const second = await startChild({});
    const client = durableClientFor(second.clientData);
    const status = await waitFor("the instance to finish after the restart", async () => {
      const s = await client.getStatus(instanceId);
      return s.runtimeStatus === "Completed" || s.runtimeStatus === "Failed" ? s : undefined;
    }, 30_000, 100);
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toEqual(["step 1 done", "step 2 done", "step 3 done", "step 4 done", "step 5 done"]);

    const runs = await executions(instanceId);
    const firstPid = first.process.pid!;
    const secondPid = second.process.pid!;
    expect(runs.get(1)).toEqual([firstPid]); // completed before the kill: not repeated
    expect(runs.get(2)).toEqual([firstPid]);
    expect([...(runs.get(3) ?? [])].sort()).toEqual([firstPid, secondPid].sort()); // in flight: ran again
    expect(runs.get(4)).toEqual([secondPid]);
    expect(runs.get(5)).toEqual([secondPid]);
    await killHard(second.process);
  });
});
