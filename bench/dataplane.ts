// dataplane: latency of encrypted record writes and reads for an environment on a customer key,
// against the same calls through the same storage with no crypto, and how often a read costs a
// call to the customer's vault.
//
// Both sides run in-process, call by call, alternating, so drift hits them alike:
//   keyward:   the data API's path minus HTTP and auth (which a plaintext store would pay too):
//              the lock/downtime gate, the key ring, blind indexes, the DEK cache, AES-GCM, the
//              record store's ETag-guarded write;
//   plaintext: a table row per record keyed by table and id, holding the JSON value, written with
//              upsert and read with one point query.
// Vault unwraps are counted from the local vault's request log during the read phase, on this
// section's vault only. The key health probe also unwraps there (it wraps then unwraps a sample),
// so the probe's wraps are subtracted: data reads never wrap.
import { randomBytes, randomInt } from "node:crypto";
import { services } from "../shared/services";
import { tableClient } from "../shared/storage/clients";
import { withEnvironmentData } from "../shared/http/dataGate";
import { DATA_USER, quantile, recordValue, round } from "./support";
import type { Section } from "./section";

function plainTable() {
  const s = services().settings;
  return tableClient(s.storageConnectionString, `${s.statePrefix.toLowerCase()}plain${randomBytes(4).toString("hex")}`);
}

export const dataplane: Section = async (ctx, options) => {
  const customer = await ctx.customerPolicy("dp");
  const env = await ctx.environment("dataplane");
  const seeded = Math.min(options.reads, 500);
  await ctx.seedRecords(env, seeded, options.recordBytes);
  const [op] = await ctx.addToPolicy(customer.policy, [env]);
  await ctx.waitForOperation(op);

  const svc = services();
  const { data } = svc;
  // The data path as the HTTP route runs it, less HTTP: the gate (environment, membership, lock, downtime), then the data.
  const read = { tenant: ctx.tenant, callerOid: DATA_USER, environmentId: env, needs: "Read" as const };
  const write = { ...read, needs: "ReadWrite" as const };
  const plain = plainTable();
  await plain.createTable();
  try {
    const put = (table: string, id: string, value: unknown) => plain.upsertEntity({ partitionKey: table, rowKey: id, v: JSON.stringify(value) }, "Replace");
    const get = async (table: string, id: string) => JSON.parse((await plain.getEntity<{ v: string }>(table, id)).v) as unknown;
    for (let i = 0; i < seeded; i++) await put(`t${i % 4}`, `r${i}`, recordValue(i, options.recordBytes));
    const timed = async (work: () => Promise<unknown>) => { const t = performance.now(); await work(); return performance.now() - t; };

    // Warm both paths (key ring, DEK cache, connections) before anything is timed.
    for (let i = 0; i < 20; i++) {
      await withEnvironmentData(svc, read, (e) => data.getRecord(e.dataId, "t0", "r0"));
      await get("t0", "r0");
    }

    const writes = { keyward: [] as number[], plain: [] as number[] };
    for (let i = 0; i < options.writes; i++) {
      const value = recordValue(100_000 + i, options.recordBytes);
      writes.keyward.push(await timed(() => withEnvironmentData(svc, write, (e) => data.putRecord(e.dataId, "w", `w${i}`, value))));
      writes.plain.push(await timed(() => put("w", `w${i}`, value)));
    }

    const since = (await ctx.management.requests()).lastSeq;
    const reads = { keyward: [] as number[], plain: [] as number[] };
    for (let i = 0; i < options.reads; i++) {
      const n = randomInt(seeded);
      reads.keyward.push(await timed(() => withEnvironmentData(svc, read, (e) => data.getRecord(e.dataId, `t${n % 4}`, `r${n}`))));
      reads.plain.push(await timed(() => get(`t${n % 4}`, `r${n}`)));
    }
    const log = (await ctx.management.requests(since)).value.filter((r) => r.vault === customer.vaultName);
    const count = (operation: string) => log.filter((r) => r.operation === operation).length;
    const unwraps = Math.max(0, count("unwrapKey") - count("wrapKey"));

    const p = (xs: number[], q: number) => round(quantile(xs, q), 3);
    const speed = (k: number[], b: number[]) => quantile(b, 0.5) / quantile(k, 0.5);
    return {
      figures: {
        readP50Ms: { value: p(reads.keyward, 0.5), unit: "ms, encrypted read" },
        readP99Ms: { value: p(reads.keyward, 0.99), unit: "ms, encrypted read" },
        writeP50Ms: { value: p(writes.keyward, 0.5), unit: "ms, encrypted write" },
        writeP99Ms: { value: p(writes.keyward, 0.99), unit: "ms, encrypted write" },
        vsPlaintext: { value: round(speed([...reads.keyward, ...writes.keyward], [...reads.plain, ...writes.plain]), 3), unit: "x plaintext speed, reads and writes (p50; 1 = as fast)" },
        readVsPlaintext: { value: round(speed(reads.keyward, reads.plain), 3), unit: "x plaintext read speed (p50)" },
        writeVsPlaintext: { value: round(speed(writes.keyward, writes.plain), 3), unit: "x plaintext write speed (p50)" },
        plaintextReadP50Ms: { value: p(reads.plain, 0.5), unit: "ms, plaintext read" },
        plaintextWriteP50Ms: { value: p(writes.plain, 0.5), unit: "ms, plaintext write" },
        vaultUnwrapsPer10kReads: { value: round((unwraps * 10_000) / options.reads, 2), unit: `vault unwraps per 10,000 reads (DEK cache TTL ${services().settings.dekCacheTtlSeconds} s)` },
      },
      notes: [`${options.writes} writes and ${options.reads} reads each side, ~${options.recordBytes} B values, in-process (no HTTP); ${unwraps} unwrap(s) seen`],
    };
  } finally {
    await plain.deleteTable().catch(() => undefined);
  }
};
