// Storage that goes away and comes back while the host keeps running: an activity that finishes
// during the outage, and the episodes that fail meanwhile, are not lost; the instance completes
// once storage is back, with no restart (Azure's queues give the same guarantee: a work item
// that was not acknowledged reappears). Runs on an Azurite of its own, stopped mid-activity.
import "../../local/functionsCore";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startAzurite, type RunningAzurite } from "../../local/azurite";
import { startRuntime, type RunningRuntime } from "../../local/runtime";
import { uniquePrefix } from "../support/storage";
import { activityStarted, openGate } from "./fixtures/gatedSamples";
import { durableClientFor, logCollector, waitFor } from "./support";
import { isStorageUnavailable } from "../../shared/storage/unavailable";

const logs = logCollector();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-outage-"));
let azurite: RunningAzurite | undefined;
let runtime: RunningRuntime | undefined;

afterAll(async () => {
  await runtime?.stop(2000);
  await azurite?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("a storage outage under a running durable host", () => {
  it("keeps an activity's result that arrived while storage was down, and the instance completes", async () => {
    azurite = await startAzurite({ location: dir });
    const { blobPort, tablePort } = azurite;
    runtime = await startRuntime({ storageConnectionString: azurite.connectionString, taskHub: uniquePrefix("outage"), port: 0, timers: false, log: logs.log });
    const id = await durableClientFor(runtime.host.clientData()).startNew("gatedThenTimer");
    await activityStarted;

    await azurite.stop(); // storage down with the activity in flight
    openGate(); // its result now has nowhere to go
    // Until the storage client's own retries give up and the host sees the failure.
    await waitFor("the completion's write to fail", () => logs.lines.find((l) => l.includes(id) && /could not store a completion|background work failed/.test(l)) ?? (logs.lines.some((l) => l.includes("background work failed")) ? "failed" : undefined), 90_000, 200);
    azurite = await startAzurite({ location: dir, blobPort, tablePort });

    const done = await runtime.host.waitForCompletion(id, 60_000);
    expect(done.runtimeStatus, logs.lines.join("\n")).toBe("Completed");
    expect(done.output).toEqual({ passed: "one" });
  }, 240_000);

  it("a start the task hub cannot store fails as storage unavailable (a 503 at the edge), not as an unknown error", async () => {
    azurite ??= await startAzurite({ location: dir });
    runtime ??= await startRuntime({ storageConnectionString: azurite.connectionString, taskHub: uniquePrefix("outage"), port: 0, timers: false, log: logs.log });
    const { blobPort, tablePort } = azurite;
    await azurite.stop();
    // The durable client's own error for the host's 500: a plain Error naming the status.
    const err = await durableClientFor(runtime.host.clientData()).startNew("gatedThenTimer").then(() => undefined, (e: unknown) => e);
    azurite = await startAzurite({ location: dir, blobPort, tablePort });
    expect(err, "startNew succeeded with storage down").toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/unexpected status code: 5\d\d/);
    expect(isStorageUnavailable(err)).toBe(true);
    expect(isStorageUnavailable(new Error("The operation failed with an unexpected status code: 409. Details: {}"))).toBe(false);
  }, 240_000);
});
