// Azure Table limits: 64 KiB per string property, 1 MiB per entity, 4 MiB / 100 operations per
// transaction. Large JSON is chunked across properties and rows; what cannot fit one checkpoint
// fails the instance with a clear message instead of wedging it.
import "../../local/functionsCore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TableClient } from "@azure/data-tables";
import { CHUNK_CHARS, decodeJsonRows, encodeJsonRows, splitText } from "../../local/durable/tableRows";
import { partitionKeyOf } from "../../local/durable/historyStore";
import { startRuntime, type RunningRuntime } from "../../local/runtime";
import { testStorage, uniquePrefix } from "../support/storage";
import { durableClientFor, logCollector } from "./support";
import "./fixtures/bigSamples";

/** About `chars` UTF-16 units of mixed text: ASCII, accents, CJK and astral-plane emoji (surrogate pairs). */
function mixedText(chars: number): string {
  const pattern = "abc é 漢字 🔑🗝️ ";
  return pattern.repeat(Math.ceil(chars / pattern.length)).slice(0, chars).replace(/[\uD800-\uDBFF]$/, "");
}

describe("chunking JSON into table rows", () => {
  it("never splits a surrogate pair between chunks", () => {
    const text = "🔑".repeat(10); // 20 code units
    const chunks = splitText(text, 3);
    expect(chunks.join("")).toBe(text);
    for (const chunk of chunks) {
      expect(chunk.charCodeAt(chunk.length - 1) >= 0xd800 && chunk.charCodeAt(chunk.length - 1) <= 0xdbff).toBe(false);
    }
  });

  it("spreads a value over properties and overflow rows within the limits, and reads it back", () => {
    const value = { text: mixedText(1_200_000), n: 1 };
    const rows = encodeJsonRows("pk", "state", value, { runtimeStatus: "Running" });
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.map((r) => r.rowKey)).toEqual(["state", "state~+001", ...rows.slice(2).map((_, i) => `state~+${String(i + 2).padStart(3, "0")}`)]);
    for (const row of rows) {
      const strings = Object.values(row).filter((v): v is string => typeof v === "string");
      expect(Math.max(...strings.map((s) => s.length))).toBeLessThanOrEqual(CHUNK_CHARS);
      expect(strings.reduce((n, s) => n + s.length * 2, 0)).toBeLessThan(1024 * 1024);
    }
    expect(rows[0].parts).toBe(rows.length);
    expect(rows[0].runtimeStatus).toBe("Running");
    expect(decodeJsonRows(rows)).toEqual(value);
  });
});

describe("large payloads through the durable host", () => {
  let runtime: RunningRuntime;
  const logs = logCollector();
  const taskHub = uniquePrefix("big");
  beforeAll(async () => {
    runtime = await startRuntime({ storageConnectionString: testStorage(), taskHub, port: 0, timers: false, log: logs.log });
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it("round-trips inputs and outputs far larger than one property or one row", async () => {
    const client = durableClientFor(runtime.host.clientData());
    const input = { text: mixedText(300_000), list: Array.from({ length: 2000 }, (_, i) => ({ i, label: `item ${i}` })) };
    const id = await client.startNew("bigRoundTrip", { input });
    const state = await runtime.host.waitForCompletion(id);
    expect(state.runtimeStatus).toBe("Completed");
    expect(state.output).toEqual(input);

    const table = TableClient.fromConnectionString(testStorage(), `${taskHub}Instances`, { allowInsecureConnection: true });
    const keys: string[] = [];
    for await (const row of table.listEntities({ queryOptions: { filter: `PartitionKey eq '${partitionKeyOf(id)}'` } })) keys.push(row.rowKey!);
    expect(keys.filter((k) => k.startsWith("state~+")).length).toBeGreaterThanOrEqual(1); // the state needed overflow rows
  });

  it("turns a result too large to store into a task failure the orchestration sees", async () => {
    const client = durableClientFor(runtime.host.clientData());
    const id = await client.startNew("tooBig", { input: 4_500_000 });
    const state = await runtime.host.waitForCompletion(id);
    expect(state.runtimeStatus).toBe("Failed");
    expect(String(state.output)).toMatch(/The result of task 0 is too large to store: .*exceeds what one table transaction can carry/);
  });

  it("fails an instance whose own checkpoint cannot fit one table transaction, with a clear message", async () => {
    const client = durableClientFor(runtime.host.clientData());
    const id = await client.startNew("hugeOutput", { input: 4_500_000 });
    const state = await runtime.host.waitForCompletion(id);
    expect(state.runtimeStatus).toBe("Failed");
    expect(String(state.output)).toMatch(/^Orchestrator function 'hugeOutput' failed: a checkpoint of about \d+ bytes exceeds/);
  });
});
