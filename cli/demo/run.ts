// `npm run demo [-- --pause] [--suffix <s>] [--records <n>]`: the reference's walkthrough, end to
// end, against the embedded keyward that `npm start` runs in another terminal (read from
// .keyward/local.json). The package.json script builds nothing: it runs the dist/ that `npm start`
// built and serves (a rebuild would replace it under the running keyward). Each step shows who
// acts and the exact `npx keyward ...` commands, runs them as a user would (the compiled CLI in a
// child process, its output shown as it comes), then checks through the API that the step did
// what it says; the first step that does not stops the demo with exit code 1. --pause waits for
// Enter after each step.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import readline from "node:readline";
import { parseArgs, value, UsageError } from "../args";
import { ApiClient } from "../client";
import { ConfigError, NotLocalError } from "../errors";
import { openLocalDefault } from "../local/localDefault";
import { LOCAL_DIR, LOCAL_FILE } from "../../local/cli/localFile";
import { createObserver } from "./observer";
import { runDemo, type RunnerIo } from "./runner";
import { sampleRecords, writeSampleFile } from "./sampleData";
import { commandLine } from "./shellQuote";
import { demoNames, type DemoState } from "./state";
import { demoSteps } from "./steps";

const KEYWARD_BIN = path.join(__dirname, "..", "keyward.js");

const USAGE = "usage: npm run demo [-- --pause] [--suffix <letters and digits>] [--records <count>]";

interface DemoOptions {
  pause: boolean;
  suffix: string;
  records: number;
}

function options(argv: string[]): DemoOptions {
  const args = parseArgs(argv, { takesValue: new Set(["suffix", "records"]) });
  for (const f of args.flags) if (f !== "pause" && f !== "help") throw new UsageError(`unknown option --${f}\n${USAGE}`);
  if (args.positionals.length) throw new UsageError(`unexpected ${args.positionals.join(" ")}\n${USAGE}`);
  const suffix = value(args, "suffix") ?? randomBytes(2).toString("hex");
  if (!/^[a-z0-9]{1,8}$/.test(suffix)) throw new UsageError("--suffix is 1 to 8 lower-case letters and digits (it goes into vault and policy names)");
  const records = Number(value(args, "records") ?? 200);
  if (!Number.isInteger(records) || records < 2 || records > 100_000) throw new UsageError("--records is a whole number from 2 to 100000");
  return { pause: args.flags.has("pause"), suffix, records };
}

/** Waits for Enter on stdin; once stdin has ended, never again. */
function enterPrompt(): (done: number, total: number) => Promise<void> {
  const lines = readline.createInterface({ input: process.stdin });
  const waiting: Array<() => void> = [];
  let ended = false;
  lines.on("line", () => waiting.shift()?.());
  lines.on("close", () => { ended = true; while (waiting.length) waiting.shift()!(); });
  return (done, total) => {
    process.stdout.write(`\n-- step ${done}/${total} done; press Enter for step ${done + 1} --\n`);
    return ended ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve));
  };
}

async function main(): Promise<number> {
  if (process.argv.includes("--help")) {
    console.log(USAGE);
    return 0;
  }
  const opts = options(process.argv.slice(2));
  const env = process.env;
  // The same checks as `keyward local`: this runs only against the embedded default.
  const local = openLocalDefault({ localFilePath: LOCAL_FILE, requestedApi: env.KEYWARD_API ? { value: env.KEYWARD_API, from: "KEYWARD_API" } : undefined });
  if (env.KEYWARD_TOKEN) console.log("(KEYWARD_TOKEN is ignored: each command uses its role's token from .keyward/local.json.)");
  const client = new ApiClient({ env: {}, localFilePath: LOCAL_FILE });
  await client.request("Platform.Admin", "GET", "health").catch(() => {
    throw new ConfigError(`keyward at ${local.file.apiBaseUrl} does not answer: start it with 'npm start' in another terminal.`);
  });

  const names = demoNames(opts.suffix);
  const sampleFile = path.join(LOCAL_DIR, "demo", `records-${opts.suffix}.jsonl`);
  const sample = sampleRecords(opts.records);
  writeSampleFile(sampleFile, sample);
  const shownSample = path.relative(process.cwd(), sampleFile).startsWith("..") ? sampleFile : path.relative(process.cwd(), sampleFile);
  const principals = local.file.principals;
  const state: DemoState = {
    names, sampleFile: shownSample, sample, platformKeyId: local.file.platformKeyId,
    principals: { keysAdmin: principals["Keys.Admin"], platformAdmin: principals["Platform.Admin"], dataUser: principals["Environment.User"] },
    observer: createObserver(client, local),
  };

  console.log([
    "The customer-managed key walkthrough of the reference, on the embedded keyward:",
    `  API ${local.file.apiBaseUrl}, local vaults ${local.file.vault.urlTemplate}`,
    `  key vault admin (Keys.Admin) ${state.principals.keysAdmin}, platform admin (Platform.Admin) ${state.principals.platformAdmin},`,
    `  data user (Environment.User) ${state.principals.dataUser}; each command uses its role's token from ${path.relative(process.cwd(), LOCAL_FILE) || LOCAL_FILE}.`,
    `  The sample data is ${shownSample} (${sample.length} records).`,
    "Each step runs the commands shown, then checks through the API that it did what it says.",
  ].join("\n"));

  // The children find the same .keyward/local.json (same directory and KEYWARD_LOCAL_DIR) and its token per role.
  const childEnv = { ...env };
  delete childEnv.KEYWARD_API;
  delete childEnv.KEYWARD_TOKEN;
  const io: RunnerIo = {
    print: (text) => console.log(text),
    commandLine: (argv) => commandLine("npx keyward", argv),
    runCli: (argv) => new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [KEYWARD_BIN, ...argv], { stdio: ["ignore", "inherit", "inherit"], env: childEnv });
      child.on("error", reject);
      child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    }),
    ...(opts.pause ? { pause: enterPrompt() } : {}),
  };
  const outcome = await runDemo(demoSteps(), state, io);
  if (outcome.ok) {
    console.log(`\nLook around: npx keyward environments show ${names.environment}, npx keyward policies key-usage ${names.policy}, npx keyward audit.`);
  }
  return outcome.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const known = err instanceof UsageError || err instanceof ConfigError || err instanceof NotLocalError;
    console.error(`demo: ${err instanceof NotLocalError ? "refused: " : ""}${known ? (err as Error).message : err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
