// Where the task hub lives, from host.json and the app settings as the Functions host resolves them:
// hubName "%Setting%" (falling back to the default hub when the setting is unset) and
// storageProvider.connectionName naming the app setting of another storage account (here a second
// Azurite). Also the duration format of functionTimeout and the errors for settings that cannot work.
import "../../local/functionsCore";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TableServiceClient } from "@azure/data-tables";
import { startAzurite, type RunningAzurite } from "../../local/azurite";
import { resolveDurableSettings } from "../../local/durableSettings";
import { startRuntime, type RunningRuntime, type RuntimeOptions } from "../../local/runtime";
import { formatTimeSpan, parseTimeSpan } from "../../local/timeSpan";
import { testStorage, uniquePrefix } from "../support/storage";
import "./fixtures/strictSamples";
import { durableClientFor, logCollector } from "./support";

const logs = logCollector();
const started: RunningRuntime[] = [];
let second: RunningAzurite;

beforeAll(async () => {
  second = await startAzurite();
});

afterAll(async () => {
  await second?.stop();
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.stop()));
});

async function runtimeWith(options: Omit<RuntimeOptions, "storageConnectionString">): Promise<RunningRuntime> {
  const runtime = await startRuntime({ storageConnectionString: testStorage(), port: 0, timers: false, log: logs.log, ...options });
  started.push(runtime);
  return runtime;
}

async function runsAnOrchestration(runtime: RunningRuntime): Promise<void> {
  const client = durableClientFor(runtime.host.clientData());
  const id = await client.startNew("rememberer");
  await runtime.host.waitForState(id, (s) => s.sequencing.actionSignatures.length === 2);
  await client.raiseEvent(id, "Go", "go");
  expect((await runtime.host.waitForCompletion(id)).output).toEqual({ remembered: "Hello from the activity", go: "go" });
}

async function tableNames(connectionString: string): Promise<string[]> {
  const service = TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection: true });
  const names: string[] = [];
  for await (const table of service.listTables()) names.push(table.name ?? "");
  return names;
}

describe("the task hub's name", () => {
  it("comes from the app setting a %Setting% hubName names", async () => {
    const hub = uniquePrefix("fromsetting");
    const runtime = await runtimeWith({ hostJson: { extensions: { durableTask: { hubName: "%STRICT_TEST_HUB%" } } }, appSettings: { STRICT_TEST_HUB: hub }, defaultTaskHub: "unused" });
    expect(runtime.host.taskHub).toBe(hub);
    await runsAnOrchestration(runtime);
    expect(await tableNames(testStorage())).toContain(`${hub}Instances`);
    expect(runtime.host.clientData().taskHubName).toBe(hub);
  });

  it("falls back to the default hub when that setting is unset, and says so", async () => {
    const fallback = uniquePrefix("fallback");
    const runtime = await runtimeWith({ hostJson: { extensions: { durableTask: { hubName: "%STRICT_TEST_HUB_UNSET%" } } }, appSettings: {}, defaultTaskHub: fallback });
    expect(runtime.host.taskHub).toBe(fallback);
    expect(logs.lines).toContain(`[runtime] host.json hubName %STRICT_TEST_HUB_UNSET%: app setting STRICT_TEST_HUB_UNSET is not set, using task hub ${fallback}`);
  });

  it("is the app's host.json %KEYWARD_TASK_HUB% by default", async () => {
    const hub = uniquePrefix("keywardhub");
    const runtime = await runtimeWith({ appSettings: { KEYWARD_TASK_HUB: hub } });
    expect(runtime.host.taskHub).toBe(hub);
  });
});

describe("a task hub on its own storage account", () => {
  it("lives where the connectionName setting points, not in AzureWebJobsStorage", async () => {
    const hub = uniquePrefix("ownaccount");
    const runtime = await runtimeWith({
      taskHub: hub,
      hostJson: { extensions: { durableTask: { storageProvider: { connectionName: "STRICT_DURABLE_STORAGE" } } } },
      appSettings: { STRICT_DURABLE_STORAGE: second.connectionString },
    });
    expect(runtime.durable.connectionName).toBe("STRICT_DURABLE_STORAGE");
    await runsAnOrchestration(runtime);
    expect(await tableNames(second.connectionString)).toContain(`${hub}Instances`);
    expect(await tableNames(testStorage())).not.toContain(`${hub}Instances`);
  });

  it("finds the connection under AzureWebJobs<name> too, as the Functions host does", () => {
    const settings = resolveDurableSettings({
      hostJson: { extensions: { durableTask: { storageProvider: { connectionName: "Durable" } } } },
      settings: { AzureWebJobsDurable: "UseDevelopmentStorage=true" },
      storageConnectionString: "the app's storage",
      defaultTaskHub: "hub",
    });
    expect(settings.storageConnectionString).toBe("UseDevelopmentStorage=true");
  });

  it("refuses to start when the named setting is missing, saying which one to set", async () => {
    await expect(
      startRuntime({
        storageConnectionString: testStorage(), taskHub: uniquePrefix("nowhere"), port: 0, timers: false, log: logs.log,
        hostJson: { extensions: { durableTask: { storageProvider: { connectionName: "STRICT_MISSING_STORAGE" } } } },
        appSettings: {},
      }),
    ).rejects.toThrow("neither app setting STRICT_MISSING_STORAGE nor AzureWebJobsSTRICT_MISSING_STORAGE is set");
  });
});

describe("host.json values", () => {
  it("reads durations as the Functions host writes them", () => {
    expect(parseTimeSpan("00:10:00", "t")).toBe(600_000);
    expect(parseTimeSpan("1.02:03:04.5", "t")).toBe(((26 * 60 + 3) * 60 + 4.5) * 1000);
    expect(parseTimeSpan("-1", "t")).toBe(Infinity);
    expect(() => parseTimeSpan("10 minutes", "host.json functionTimeout")).toThrow("host.json functionTimeout is '10 minutes', which is not a duration");
    expect(formatTimeSpan(600_000)).toBe("00:10:00");
    expect(formatTimeSpan(300)).toBe("00:00:00.3000000");
    expect(formatTimeSpan(26 * 3600 * 1000)).toBe("1.02:00:00");
  });

  it("takes the app's host.json functionTimeout and limits, with the platform's defaults for what it leaves out", () => {
    const base = { settings: {}, storageConnectionString: "s", defaultTaskHub: "hub" };
    const app = resolveDurableSettings({ ...base, hostJson: { functionTimeout: "00:10:00", extensions: { durableTask: { maxConcurrentActivityFunctions: 8 } } } });
    expect(app).toMatchObject({ functionTimeoutMs: 600_000, maxConcurrentActivityFunctions: 8, controlQueueBatchSize: 32, timeoutGracePeriodMs: 2000 });
    expect(resolveDurableSettings({ ...base, hostJson: {} }).functionTimeoutMs).toBe(30 * 60 * 1000);
    expect(() => resolveDurableSettings({ ...base, hostJson: { extensions: { durableTask: { storageProvider: { controlQueueBatchSize: 64 } } } } })).toThrow(
      "controlQueueBatchSize is 64: it must be a whole number from 1 to 32",
    );
  });
});
