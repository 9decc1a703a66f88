// `npm run chaos -- --seed N --minutes M [--keep] [--quiet]`: one chaos campaign (campaign.ts)
// against the compiled keyward of this build; prints its counts and exits 1 naming the seed when
// any invariant was violated.
import path from "node:path";
import { runCampaign, summary } from "./campaign";

function arg(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  if (i === -1) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) {
    console.error(`${name} needs a number, not ${JSON.stringify(argv[i + 1])}`);
    process.exit(2);
  }
  return v;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const seed = arg(argv, "--seed", Math.floor(Math.random() * 1e6));
  const minutes = arg(argv, "--minutes", 5);
  const quiet = argv.includes("--quiet");
  const stamp = () => new Date().toISOString().slice(11, 19);
  console.log(`chaos: seed ${seed}, ${minutes} min`);
  const result = await runCampaign({
    seed, minutes, keep: argv.includes("--keep"),
    cli: path.resolve(__dirname, "../local/cli/start.js"),
    log: quiet ? undefined : (line) => console.log(`${stamp()} ${line}`),
  });
  console.log(summary(result));
  process.exit(result.counters.violations.length ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(`chaos: the campaign could not run: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(2);
});
