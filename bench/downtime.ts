// downtime: how long an environment is unavailable (Encrypting) when it joins a policy, for R
// records and F files, and again for R records and 10F files. Files are a secondary store,
// re-encrypted after the environment is back online, so the second figure should match the
// first: the ratio is the check.
//
// Downtime runs from the operation's start (the request sets Encrypting) to the end of the
// "Re-encrypt records" step, after which the environment serves again (EncryptingOnline); both
// timestamps come from the operation's history.
//
// onlineSeconds: an add with "downtime": "none" on R records while a reader polls a record and a
// writer rewrites records through the data API, from the request to the operation's end. It is
// the time the reader spent between a 503 and the next success (0: it never got one); a write
// acknowledged meanwhile that does not read back afterwards is counted in lostWrites.
import { round, secondsBetween } from "./support";
import type { BenchContext } from "./support";
import type { BenchOptions } from "./options";
import type { Section } from "./section";

async function downtimeOf(ctx: BenchContext, options: BenchOptions, policy: string, files: number): Promise<number> {
  const env = await ctx.environment(`down${files}`);
  ctx.log(`downtime: seeding ${options.records} records and ${files} files of ${options.fileBytes} bytes`);
  await ctx.seedRecords(env, options.records, options.recordBytes);
  await ctx.seedFiles(env, files, options.fileBytes);
  const [operationId] = await ctx.addToPolicy(policy, [env]);
  const op = await ctx.waitForOperation(operationId);
  const core = (op.steps as { name: string; endedAt?: string }[]).find((s) => s.name === "Re-encrypt records");
  if (!core?.endedAt) throw new Error(`the add operation has no finished "Re-encrypt records" step: ${JSON.stringify(op.steps)}`);
  return secondsBetween(op.startedAt, core.endedAt);
}

/** The no-downtime add under traffic: seconds unavailable to a polling reader, and writes lost. */
async function onlineAdd(ctx: BenchContext, options: BenchOptions, policy: string) {
  const env = await ctx.environment("online");
  ctx.log(`downtime: seeding ${options.records} records for the no-downtime add`);
  await ctx.seedRecords(env, options.records, options.recordBytes);
  const path = (i: number) => `environments/${env}/records/t${i % 4}/r${i}`;
  const body = await ctx.expect(202, "Platform.Admin", "POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env], downtime: "none" });
  const operationId = body.operations[0].operationId as string;
  let stop = false;
  let unavailableMs = 0;
  let reads = 0;
  let refused = 0;
  const acknowledged = new Map<number, unknown>();
  const reader = (async () => {
    let failingSince: number | undefined;
    for (let i = 0; !stop; i++) {
      const started = performance.now();
      const res = await ctx.call("Environment.User", "GET", path((i * 7) % options.records));
      reads++;
      if (res.status === 503) { refused++; failingSince ??= started; }
      else if (failingSince !== undefined) { unavailableMs += performance.now() - failingSince; failingSince = undefined; }
    }
    if (failingSince !== undefined) unavailableMs += performance.now() - failingSince;
  })();
  const writer = (async () => {
    for (let k = 0; !stop; k++) {
      const i = (k * 13) % options.records;
      const value = { n: i, write: k };
      if ((await ctx.call("Environment.User", "PUT", path(i), value)).status < 300) acknowledged.set(i, value);
    }
  })();
  const op = await ctx.waitForOperation(operationId).finally(() => { stop = true; });
  await Promise.all([reader, writer]);
  let lost = 0;
  for (const [i, value] of acknowledged) {
    const res = await ctx.call("Environment.User", "GET", path(i));
    if (JSON.stringify(res.body?.value) !== JSON.stringify(value)) lost++;
  }
  return { seconds: unavailableMs / 1000, reads, refused, writes: acknowledged.size, lost, total: secondsBetween(op.startedAt, op.endedAt) };
}

export const downtime: Section = async (ctx, options) => {
  const { policy } = await ctx.customerPolicy("down");
  const seconds = await downtimeOf(ctx, options, policy, options.files);
  const tenfold = await downtimeOf(ctx, options, policy, options.files * 10);
  const online = await onlineAdd(ctx, options, policy);
  return {
    notes: [`no-downtime add of ${options.records} records: ${online.reads} reads (${online.refused} refused), ${online.writes} records written during it, in ${round(online.total)} s`],
    figures: {
      onlineSeconds: { value: round(online.seconds, 3), unit: "s a polling reader was refused (503) during a \"downtime\": \"none\" add (0 = never)" },
      onlineLostWrites: { value: online.lost, unit: "writes acknowledged during that add that did not read back afterwards" },
      seconds: { value: round(seconds), unit: `s Encrypting with ${options.records} records + ${options.files} files` },
      secondsWith10xFiles: { value: round(tenfold), unit: `s Encrypting with ${options.records} records + ${options.files * 10} files` },
      ratio: { value: round(tenfold / seconds), unit: "10x files / 1x files (1 = files do not lengthen downtime)" },
    },
  };
};
