// rotation: the customer creates a new version of the policy's key; how long until every DEK of
// N environments is re-wrapped under it, and how many bytes of data were rewritten (none should
// be: a new key version re-wraps DEKs, it never re-encrypts data).
//
// Timed from the moment the vault has the new version (its KeyNewVersionCreated event drives
// keyward, as in Azure) to the last environment's rotation entry in its history. Bytes rewritten
// are counted from storage itself: every record row and blob of the N environments is listed
// with its ETag before and after, and the sizes of those whose ETag changed are summed.
import { services } from "../shared/services";
import { storageNaming } from "../shared/data/naming";
import { containerClient, ignoreNotFound, tableClient } from "../shared/storage/clients";
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

export const rotation: Section = async (ctx, options) => {
  const customer = await ctx.customerPolicy("rot");
  const envs: string[] = [];
  for (let i = 0; i < options.environments; i++) {
    const env = await ctx.environment(`rot${i}`);
    await ctx.seedRecords(env, options.recordsPerEnvironment, options.recordBytes);
    await ctx.seedFiles(env, 1, options.fileBytes);
    envs.push(env);
  }
  ctx.log(`rotation: adding ${envs.length} environments to ${customer.policy}`);
  for (const op of await ctx.addToPolicy(customer.policy, envs)) await ctx.waitForOperation(op);

  const dataIds = await Promise.all(envs.map((e) => ctx.dataIdOf(e)));
  const before = await snapshot(dataIds);
  const key = await ctx.keyClient(customer.vaultName).createRsaKey(customer.keyName, { keySize: 2048, keyOps: ["wrapKey", "unwrapKey"] });
  const created = Date.now();
  const newKeyId = key.id!;
  await until(`every environment on ${newKeyId}`, async () => (await ctx.call("Platform.Admin", "GET", `environments?policy=${customer.policy}`)).body,
    (list) => Array.isArray(list?.value) && list.value.length === envs.length && list.value.every((e: any) => e.encryption.keyId === newKeyId), 300_000);
  // The last re-wrap's own end time, from each environment's history.
  let last = 0;
  for (const env of envs) {
    const history = (await ctx.expect(200, "Platform.Admin", "GET", `environments/${env}/history`)).value as { kind: string; endedAt?: string }[];
    const entry = history.find((h) => h.kind === "RotateKeyVersion" && h.endedAt);
    if (!entry) throw new Error(`environment ${env} has no rotation entry in its history`);
    last = Math.max(last, Date.parse(entry.endedAt!));
  }
  const after = await snapshot(dataIds);
  const rewrittenBytes = bytesChanged(before, after);
  return {
    figures: {
      seconds: { value: round((last - created) / 1000), unit: `s from the new key version to every DEK of ${envs.length} environments re-wrapped` },
      bytesRewritten: { value: rewrittenBytes, unit: "bytes of records and files rewritten (must be 0)" },
    },
    notes: [`${before.size} stored items checked by ETag before and after`],
  };
};
