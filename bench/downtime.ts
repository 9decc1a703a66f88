// downtime: how long an environment is unavailable (Encrypting) when it joins a policy, for R
// records and F files, and again for R records and 10F files. Files are a secondary store,
// re-encrypted after the environment is back online, so the second figure should match the
// first: the ratio is the check.
//
// Downtime runs from the operation's start (the request sets Encrypting) to the end of the
// "Re-encrypt records" step, after which the environment serves again (EncryptingOnline); both
// timestamps come from the operation's history.
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

export const downtime: Section = async (ctx, options) => {
  const { policy } = await ctx.customerPolicy("down");
  const seconds = await downtimeOf(ctx, options, policy, options.files);
  const tenfold = await downtimeOf(ctx, options, policy, options.files * 10);
  return {
    figures: {
      seconds: { value: round(seconds), unit: `s Encrypting with ${options.records} records + ${options.files} files` },
      secondsWith10xFiles: { value: round(tenfold), unit: `s Encrypting with ${options.records} records + ${options.files * 10} files` },
      ratio: { value: round(tenfold / seconds), unit: "10x files / 1x files (1 = files do not lengthen downtime)" },
    },
    notes: [],
  };
};
