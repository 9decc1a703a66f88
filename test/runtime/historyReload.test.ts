// Every episode reloads the instance from the table and replays it, as the Azure Storage backend
// does with extended sessions off: an edit made to the stored history between two episodes is what
// the next one replays, and the host's counters show a table read per episode and the replay size.
import "../../local/functionsCore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TableClient, odata } from "@azure/data-tables";
import { partitionKeyOf } from "../../local/durable/historyStore";
import { decodeJsonRows, encodeJsonRows, groupRows, type Row } from "../../local/durable/tableRows";
import { EventType, type HistoryEvent } from "../../local/durable/wire";
import { startRuntime, type RunningRuntime } from "../../local/runtime";
import { testStorage, uniquePrefix } from "../support/storage";
import "./fixtures/strictSamples";
import { durableClientFor, logCollector } from "./support";

const logs = logCollector();
const taskHub = uniquePrefix("reload");
let runtime: RunningRuntime;

beforeAll(async () => {
  runtime = await startRuntime({ storageConnectionString: testStorage(), taskHub, port: 0, timers: false, log: logs.log });
});

afterAll(async () => {
  await runtime?.stop();
});

/** Rewrites, in the table, the stored history row that holds the activity's result. */
async function editStoredResult(instanceId: string, result: unknown): Promise<void> {
  const table = TableClient.fromConnectionString(testStorage(), `${taskHub}Instances`, { allowInsecureConnection: true });
  const pk = partitionKeyOf(instanceId);
  const rows: Row[] = [];
  for await (const row of table.listEntities<Row>({ queryOptions: { filter: odata`PartitionKey eq ${pk}` } })) rows.push(row);
  rows.sort((a, b) => (a.rowKey < b.rowKey ? -1 : 1));
  for (const [key, group] of groupRows(rows)) {
    if (!key.startsWith("h~")) continue;
    const events = decodeJsonRows(group) as HistoryEvent[];
    const completed = events.find((e) => e.EventType === EventType.TaskCompleted);
    if (!completed) continue;
    completed.Result = JSON.stringify(result);
    for (const row of encodeJsonRows(pk, key, events)) await table.upsertEntity(row, "Replace");
    return;
  }
  throw new Error("no stored history row holds a TaskCompleted event");
}

describe("history reloaded for every episode", () => {
  it("replays what the table holds, not a copy kept in memory", async () => {
    const client = durableClientFor(runtime.host.clientData());
    const id = await client.startNew("rememberer");
    await runtime.host.waitForState(id, (s) => s.sequencing.actionSignatures.length === 2); // the activity's result is in, waiting for Go

    await editStoredResult(id, "edited in the table");
    await client.raiseEvent(id, "Go", "go");
    const done = await runtime.host.waitForCompletion(id);
    expect(done.output).toEqual({ remembered: "edited in the table", go: "go" });
  });

  it("counts a table read per episode and the largest history replayed", async () => {
    const client = durableClientFor(runtime.host.clientData());
    const id = await client.startNew("rememberer");
    await runtime.host.waitForState(id, (s) => s.sequencing.actionSignatures.length === 2);
    await client.raiseEvent(id, "Go", 1);
    await runtime.host.waitForCompletion(id);

    const m = runtime.host.metrics(id)!;
    expect(m.episodes).toBe(3); // start, the activity's result, Go
    expect(m.messages).toBe(3);
    // Each episode loaded the instance; deliveries read its state; every checkpoint and append wrote.
    expect(m.storageReads).toBeGreaterThanOrEqual(m.episodes + 2);
    expect(m.storageWrites).toBeGreaterThanOrEqual(m.episodes + 2);
    expect(m.storageCalls).toBe(m.storageReads + m.storageWrites);
    // The last episode replayed everything before it: the whole history but its own four events
    // (OrchestratorStarted, EventRaised, ExecutionCompleted, OrchestratorCompleted).
    const history = await runtime.host.getHistory(id);
    expect(m.largestReplay).toBe(history.length - 4);

    const totals = runtime.host.metrics();
    expect(totals.instances).toBeGreaterThanOrEqual(2);
    expect(totals.episodes).toBeGreaterThanOrEqual(6);
    expect(runtime.host.metricsWhere((instanceId) => instanceId === id)).toEqual({ ...m, instances: 1 });
  });
});
