// rotation: the customer creates a new version of the policy's key; how long until every DEK of
// N environments is re-wrapped under it, and how many bytes of data were rewritten (none should
// be: a new key version re-wraps DEKs, it never re-encrypts data).
//
// Timed from the moment the vault has the new version (its KeyNewVersionCreated event drives
// keyward, as in Azure) to the last environment's rotation entry in its history. Bytes rewritten
// are counted from storage itself: every record row and blob of the N environments is listed
// with its ETag before and after, and the sizes of those whose ETag changed are summed.
//
// The rotation runs with the local vault's quotas on, at Azure's limits (per vault, per 10 s,
// 429 with no Retry-After): the figures say how many requests the vault throttled, and that no
// environment locked and none failed (the rotation re-wraps a bounded number at once and waits
// on durable timers when throttled). The setup (creating and adding the environments) runs
// without quotas, a few at a time; past 100 environments it puts them on the policy without
// add operations (`--environments 1000`).
import { services } from "../shared/services";
import { storageNaming } from "../shared/data/naming";
import { containerClient, ignoreNotFound, tableClient } from "../shared/storage/clients";
import { mapLimit } from "../shared/data/concurrency";
import { round, until } from "./support";
import type { Section } from "./section";

type Snapshot = Map<string, { etag: string; bytes: number }>;

async function snapshot(environmentIds: string[]): Promise<Snapshot> {
  const s = services().settings;
  const naming = storageNaming(s.statePrefix.toLowerCase());
  const items: Snapshot = new Map();
  for (const env of environmentIds) {
    await ignoreNotFound(async () => {
      for await (const e of tableClient(s.storageConnectionString, naming.recordTable(env)).listEntities<Record<string, unknown>>()) {
        const bytes = (e.e instanceof Uint8Array ? e.e.length : 0) + Object.entries(e).reduce((n, [k, v]) => n + k.length + (typeof v === "string" ? v.length : 0), 0);
        items.set(`${env}/table/${e.partitionKey}/${e.rowKey}`, { etag: e.etag, bytes });
      }
    });
    await ignoreNotFound(async () => {
      for await (const b of containerClient(s.storageConnectionString, naming.container(env)).listBlobsFlat()) {
        items.set(`${env}/blob/${b.name}`, { etag: b.properties.etag ?? "", bytes: b.properties.contentLength ?? 0 });
      }
    });
  }
  return items;
}

function bytesChanged(before: Snapshot, after: Snapshot): number {
  let bytes = 0;
  for (const [key, item] of after) if (before.get(key)?.etag !== item.etag) bytes += item.bytes;
  for (const [key, item] of before) if (!after.has(key)) bytes += item.bytes;
  return bytes;
}

/** Environments added to the policy per add request during the setup. */
const ADD_BATCH = 25;
/** Beyond this many environments, the setup skips the add operations (see below). */
const ADD_LIMIT = 100;

export const rotation: Section = async (ctx, options) => {
  const customer = await ctx.customerPolicy("rot");
  const labels = Array.from({ length: options.environments }, (_, i) => `rot${i}`);
  // Up to ADD_LIMIT environments go through real add operations; more are put on the policy
  // directly (the add's key transitions, no orchestration), since adds run ~20 a minute here.
  const direct = options.environments > ADD_LIMIT;
  const envs = await mapLimit(labels, 8, async (label) => {
    const env = await ctx.environment(label);
    if (direct) await ctx.onPolicyWithoutAdd(env, customer.policy);
    await ctx.seedRecords(env, options.recordsPerEnvironment, options.recordBytes);
    if (options.fileBytes > 0 && options.environments <= 100) await ctx.seedFiles(env, 1, options.fileBytes);
    return env;
  });
  if (!direct) {
    ctx.log(`rotation: adding ${envs.length} environments to ${customer.policy}`);
    for (let i = 0; i < envs.length; i += ADD_BATCH) {
      const ops = await ctx.addToPolicy(customer.policy, envs.slice(i, i + ADD_BATCH));
      await mapLimit(ops, ADD_BATCH, (op) => ctx.waitForOperation(op));
      ctx.log(`rotation: ${Math.min(i + ADD_BATCH, envs.length)} of ${envs.length} added`);
    }
  } else {
    ctx.log(`rotation: ${envs.length} environments put on ${customer.policy} without add operations`);
  }

  const dataIds = await Promise.all(envs.map((e) => ctx.dataIdOf(e)));
  const before = await snapshot(dataIds);
  const { lastSeq } = await ctx.management.requests();
  await ctx.management.setBehaviour({ throttling: { enabled: true, retryAfter: "none" } });
  let newKeyId: string;
  let created: number;
  try {
    const key = await ctx.keyClient(customer.vaultName).createRsaKey(customer.keyName, { keySize: 2048, keyOps: ["wrapKey", "unwrapKey"] });
    created = Date.now();
    newKeyId = key.id!;
    await until(`every environment on ${newKeyId}`, async () => (await ctx.call("Platform.Admin", "GET", `environments?policy=${customer.policy}`)).body,
      (list) => Array.isArray(list?.value) && list.value.length === envs.length && list.value.every((e: any) => e.encryption.keyId === newKeyId), 1_800_000);
  } finally {
    await ctx.management.setBehaviour({ throttling: { enabled: false } });
  }
  const requests = (await ctx.management.requests(lastSeq)).value.filter((r) => r.vault === customer.vaultName);
  // The last re-wrap's own end time, from each environment's history; and what each looks like now.
  let last = 0;
  let locked = 0;
  let failedEntries = 0;
  await mapLimit(envs, 8, async (env) => {
    const history = (await ctx.expect(200, "Platform.Admin", "GET", `environments/${env}/history`)).value as { kind: string; status: string; endedAt?: string }[];
    const entry = history.find((h) => h.kind === "RotateKeyVersion" && h.endedAt);
    if (!entry) throw new Error(`environment ${env} has no rotation entry in its history`);
    if (entry.status !== "Succeeded") failedEntries++;
    last = Math.max(last, Date.parse(entry.endedAt!));
    const now = await ctx.expect(200, "Platform.Admin", "GET", `environments/${env}`);
    if (now.state === "Locked" || history.some((h) => h.kind === "Lock")) locked++;
  });
  const after = await snapshot(dataIds);
  const rewrittenBytes = bytesChanged(before, after);
  const throttled = requests.filter((r) => r.status === 429).length;
  return {
    figures: {
      seconds: { value: round((last - created) / 1000), unit: `s from the new key version to every DEK of ${envs.length} environments re-wrapped, vault quotas on` },
      environmentsLocked: { value: locked, unit: "environments locked during or after the rotation (must be 0)" },
      environmentsFailed: { value: failedEntries, unit: "environments whose rotation entry did not succeed (must be 0)" },
      vaultRequests: { value: requests.length, unit: "requests to the customer vault from the new version on" },
      vaultThrottled: { value: throttled, unit: "of them answered 429 (quota), each waited out, none an error" },
      bytesRewritten: { value: rewrittenBytes, unit: "bytes of records and files rewritten (must be 0)" },
    },
    notes: [`${before.size} stored items checked by ETag before and after; rotation parallelism ${services().settings.rotationParallelism}; setup ${direct ? "without add operations" : "through add operations"}`],
  };
};
