// `keyward <command>`: finds the command from the leading words, parses its options, runs it,
// and turns every failure into a message and an exit code:
//   0 done, 1 the API refused or could not be reached (its code and message are printed),
//   2 usage error, 3 a followed operation ended Failed (or a probe found the key unhealthy),
//   4 --wait gave up (--timeout) while the operation goes on.
import { parseArgs, value, UsageError } from "./args";
import { ApiCallError, ApiClient, ConfigError, ROLES, type CliEnvironment, type Role } from "./client";
import { COMMANDS, EXIT, helpOf, usageOf, type Command } from "./commands";
import type { Output } from "./progress";
import { WaitTimeout } from "./wait";

export interface CliIo {
  stdout: (text: string) => void;
  /** Where progress and errors go. */
  stderr: Output;
  env: CliEnvironment;
  fetch?: typeof fetch;
  /** Poll interval of --wait (default 1000 ms). */
  pollMs?: number;
}

const GLOBAL_VALUES = ["api", "as", "timeout"];
const GLOBAL_FLAGS = ["json", "wait", "help", "quiet"];

export const HELP = [
  "usage: keyward <command> [arguments] [options]",
  "",
  "commands:",
  ...COMMANDS.map((c) => `  ${[...c.words, ...c.params].join(" ").padEnd(46)} ${c.summary}`),
  "",
  "global options:",
  "  --json              print the API's JSON (with --wait: the final operations)",
  "  --wait              follow started operations to their end, with a live progress line",
  "  --timeout <s>       give up waiting after this many seconds (default 3600; exit 4)",
  "  --quiet             no progress output",
  "  --api <url>         the API base URL (default: KEYWARD_API, else .keyward/local.json)",
  "  --as <role>         with .keyward/local.json: use this role's token (Keys.Admin, Platform.Admin, Environment.User)",
  "  --help              help for a command: keyward <command> --help",
  "",
  "The token comes from KEYWARD_TOKEN, else from .keyward/local.json ('npm start' writes it, with a token per role).",
  "exit codes: 0 done, 1 API error, 2 usage error, 3 operation failed, 4 wait timed out",
].join("\n");

/** The command whose words start argv, and the rest; or the words that matched nothing. */
function findCommand(argv: string[]): { command?: Command; rest: string[]; group?: Command[] } {
  // The non-option arguments, skipping the value after any option that takes one.
  const valued = new Set([...GLOBAL_VALUES, ...COMMANDS.flatMap((c) => Object.keys(c.options ?? {}))]);
  const words = argv.filter((a, i) => !a.startsWith("-") && !(i > 0 && valued.has(argv[i - 1].replace(/^--/, "")) && !argv[i - 1].includes("=")));
  for (const c of [...COMMANDS].sort((a, b) => b.words.length - a.words.length)) {
    if (c.words.every((w, i) => words[i] === w)) {
      // Drop exactly the command's words (they are the first non-option arguments).
      const rest = [...argv];
      for (const w of c.words) rest.splice(rest.findIndex((a, i) => a === w && !(i > 0 && valued.has(rest[i - 1].replace(/^--/, "")))), 1);
      return { command: c, rest };
    }
  }
  const group = COMMANDS.filter((c) => c.words.length > 1 && c.words[0] === words[0]);
  return { rest: argv, group: group.length ? group : undefined };
}

function checkArity(command: Command, positionals: string[]): void {
  const variadic = command.params.some((p) => p.endsWith("...>"));
  const min = command.params.length;
  if (positionals.length < min || (!variadic && positionals.length > min)) {
    throw new UsageError(`expected ${command.params.join(" ") || "no arguments"}\nusage: ${usageOf(command)}`);
  }
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const err = (text: string) => io.stderr.write(`${text}\n`);
  const { command, rest, group } = findCommand(argv);
  try {
    if (!command) {
      if (argv.length === 0 || argv.includes("--help") || argv.includes("-h") || argv[0] === "help") {
        if (group) io.stdout(group.map((c) => `  ${usageOf(c)}\n      ${c.summary}`).join("\n"));
        else io.stdout(HELP);
        return argv.length === 0 ? EXIT.usage : EXIT.ok;
      }
      throw new UsageError(group
        ? `'${argv.filter((a) => !a.startsWith("-")).join(" ")}' is not a command; ${group[0].words[0]} has: ${group.map((c) => c.words[1]).join(", ")}`
        : `unknown command '${argv[0]}'; 'keyward --help' lists them`);
    }
    const takesValue = new Set([...GLOBAL_VALUES, ...Object.keys(command.options ?? {})]);
    const args = parseArgs(rest, takesValue);
    if (args.flags.has("help")) {
      io.stdout(helpOf(command));
      return EXIT.ok;
    }
    const known = new Set([...GLOBAL_FLAGS, ...Object.keys(command.flags ?? {})]);
    for (const f of args.flags) if (!known.has(f)) throw new UsageError(`${usageOf(command)} has no --${f}`);
    if (args.flags.has("wait") && !command.long && command.words[0] !== "wait") throw new UsageError(`'${command.words.join(" ")}' starts no operation to wait for`);
    checkArity(command, args.positionals);

    const as = value(args, "as");
    if (as !== undefined && !ROLES.includes(as as Role)) throw new UsageError(`--as must be one of ${ROLES.join(", ")}`);
    const timeout = Number(value(args, "timeout") ?? 3600);
    if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError("--timeout needs a number of seconds");
    const client = new ApiClient({ env: io.env, api: value(args, "api"), as: as as Role | undefined, fetch: io.fetch });
    return await command.run({
      client, args, json: args.flags.has("json"), wait: args.flags.has("wait"), print: io.stdout,
      waitOptions: { pollMs: io.pollMs ?? 1000, timeoutMs: timeout * 1000, progress: args.flags.has("quiet") ? undefined : io.stderr },
    }, args.positionals);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`error: ${e.message}`);
      return EXIT.usage;
    }
    if (e instanceof ApiCallError) {
      err(`error: ${e.code}: ${e.message}${e.target ? ` (target: ${e.target})` : ""}`);
      return EXIT.error;
    }
    if (e instanceof WaitTimeout) {
      err(`error: ${e.message}`);
      return EXIT.timeout;
    }
    if (e instanceof ConfigError) {
      err(`error: ${e.message}`);
      return EXIT.error;
    }
    err(`error: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.error;
  }
}
