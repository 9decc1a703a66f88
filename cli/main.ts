// `keyward <command>`: finds the command from the leading words, parses its options, runs it,
// and turns every failure into a message and an exit code:
//   0 done, 1 the API (or the local vault) refused or could not be reached (its code and message
//   are printed), or a `local` command was pointed at something that is not the local default,
//   2 usage error, 3 a followed operation ended Failed (or a probe found the key unhealthy),
//   4 --wait gave up (--timeout) while the operation goes on.
import { parseArgs, value, UsageError } from "./args";
import { ApiCallError, ApiClient, ROLES, type CliEnvironment, type Role } from "./client";
import { EXIT, helpOf, usageOf, type Command, type CommandContext } from "./command";
import { API_COMMANDS, COMMANDS, LOCAL_COMMANDS } from "./allCommands";
import { ConfigError, NotLocalError } from "./errors";
import { openLocalDefault, type LocalDefault } from "./local/localDefault";
import { LOCAL_FILE } from "../local/cli/localFile";
import type { Output } from "./progress";
import { WaitTimeout } from "./wait";

export interface CliIo {
  stdout: (text: string) => void;
  /** Where progress, notes and errors go. */
  stderr: Output;
  env: CliEnvironment;
  fetch?: typeof fetch;
  /** Poll interval of --wait (default 1000 ms). */
  pollMs?: number;
  /** The embedded default's endpoints and tokens (default .keyward/local.json, or KEYWARD_LOCAL_DIR's). */
  localFilePath?: string;
}

const GLOBAL_VALUES = ["api", "as", "timeout"];
const GLOBAL_FLAGS = ["json", "wait", "help", "quiet"];

const listing = (commands: Command[]) => commands.map((c) => `  ${[...c.words, ...c.params].join(" ").padEnd(46)} ${c.summary}`);

export const HELP = [
  "usage: keyward <command> [arguments] [options]",
  "",
  "commands (the admin and data API):",
  ...listing(API_COMMANDS),
  "",
  "the key vault administrator's side of the embedded default ('npm start'), shaped like az:",
  ...listing(LOCAL_COMMANDS),
  "",
  "global options:",
  "  --json              print the API's JSON (with --wait: the final operations); 'local' commands always print az's JSON",
  "  --wait              follow started operations to their end, with a live progress line",
  "  --timeout <s>       give up waiting after this many seconds (default 3600; exit 4)",
  "  --quiet             no progress output",
  "  --api <url>         the API base URL (default: KEYWARD_API, else .keyward/local.json)",
  "  --as <role>         with .keyward/local.json: use this role's token (Keys.Admin, Platform.Admin, Environment.User)",
  "  --help              help for a command: keyward <command> --help",
  "",
  "The token comes from KEYWARD_TOKEN, else from .keyward/local.json ('npm start' writes it, with a token per role).",
  "exit codes: 0 done, 1 API or vault error (or not the local default, for 'local'), 2 usage error, 3 operation failed, 4 wait timed out",
].join("\n");

/** Options that take values: the words after them are not command words. */
const VALUED = new Set([...GLOBAL_VALUES, ...COMMANDS.flatMap((c) => [...Object.keys(c.options ?? {}), ...Object.keys(c.lists ?? {})])]);

/** The command whose words start argv, and the rest; or the commands sharing the longest prefix of words that matched. */
function findCommand(argv: string[]): { command?: Command; rest: string[]; group?: { prefix: string[]; commands: Command[] } } {
  const isValue = (list: string[], i: number) => i > 0 && list[i - 1].startsWith("--") && VALUED.has(list[i - 1].slice(2)) && !list[i - 1].includes("=");
  const words = argv.filter((a, i) => !a.startsWith("-") && !isValue(argv, i));
  for (const c of [...COMMANDS].sort((a, b) => b.words.length - a.words.length)) {
    if (c.words.every((w, i) => words[i] === w)) {
      // Drop exactly the command's words (they are the first non-option arguments).
      const rest = [...argv];
      for (const w of c.words) rest.splice(rest.findIndex((a, i) => a === w && !isValue(rest, i)), 1);
      return { command: c, rest };
    }
  }
  for (let n = Math.min(words.length, 3); n > 0; n--) {
    const prefix = words.slice(0, n);
    const commands = COMMANDS.filter((c) => c.words.length > n && prefix.every((w, i) => c.words[i] === w));
    if (commands.length) return { rest: argv, group: { prefix, commands } };
  }
  return { rest: argv };
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
        if (group) io.stdout(group.commands.map((c) => `  ${usageOf(c)}\n      ${c.summary}`).join("\n"));
        else io.stdout(HELP);
        return argv.length === 0 ? EXIT.usage : EXIT.ok;
      }
      throw new UsageError(group
        ? `'${argv.filter((a) => !a.startsWith("-")).join(" ")}' is not a command; ${group.prefix.join(" ")} has: ${[...new Set(group.commands.map((c) => c.words.slice(group.prefix.length).join(" ")))].join(", ")}`
        : `unknown command '${argv[0]}'; 'keyward --help' lists them`);
    }
    const args = parseArgs(rest, {
      takesValue: new Set([...GLOBAL_VALUES, ...Object.keys(command.options ?? {})]),
      threeState: new Set(Object.keys(command.switches ?? {})),
      list: new Set(Object.keys(command.lists ?? {})),
    });
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
    const api = value(args, "api");
    const localFilePath = io.localFilePath ?? LOCAL_FILE;
    let client: ApiClient | undefined;
    let local: LocalDefault | undefined;
    const ctx: CommandContext = {
      get client() {
        return (client ??= new ApiClient({ env: io.env, api, as: as as Role | undefined, fetch: io.fetch, localFilePath }));
      },
      local: () => (local ??= openLocalDefault({
        localFilePath,
        requestedApi: api ? { value: api, from: "--api" } : io.env.KEYWARD_API ? { value: io.env.KEYWARD_API, from: "KEYWARD_API" } : undefined,
      })),
      args, json: args.flags.has("json"), wait: args.flags.has("wait"), print: io.stdout, note: err,
      waitOptions: { pollMs: io.pollMs ?? 1000, timeoutMs: timeout * 1000, progress: args.flags.has("quiet") ? undefined : io.stderr },
    };
    return await command.run(ctx, args.positionals);
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
    if (e instanceof NotLocalError) {
      err(`error: refused: ${e.message}`);
      return EXIT.error;
    }
    if (e instanceof ConfigError) {
      err(`error: ${e.message}`);
      return EXIT.error;
    }
    err(`error: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.error;
  }
}
