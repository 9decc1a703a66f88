// What a command is (its words, arguments, options, whose credentials it uses, what it does) and
// the small helpers every command file shares. The command lists live in commands.ts (the admin
// API), tenantCommands.ts (alerts, audit, licences), recordCommands.ts (environment data) and
// local/ (the local Key Vault, as `az` drives Azure's); allCommands.ts puts them together.
import { apiHelpLines } from "./apiHelp";
import { value, UsageError, type ParsedArgs } from "./args";
import type { ApiClient, Role } from "./client";
import type { LocalDefault } from "./local/localDefault";
import type { WaitOptions } from "./wait";

export const EXIT = { ok: 0, error: 1, usage: 2, operationFailed: 3, timeout: 4 } as const;

export interface CommandContext {
  /** The admin API (built on first use: a `local` command never needs an API address). */
  readonly client: ApiClient;
  /** The embedded default's local Key Vault, after checking that it is the local default. */
  local(): LocalDefault;
  args: ParsedArgs;
  json: boolean;
  wait: boolean;
  waitOptions: WaitOptions;
  print(text: string): void;
  /** Notes for a person (stderr), kept off stdout so it stays parseable. */
  note(text: string): void;
}

export interface Command {
  /** The words that name it: ["policies", "create"]. */
  words: string[];
  /** Positional arguments, as shown in usage: "<name>", "<environmentId...>". */
  params: string[];
  /** Options that take a value (beyond the global ones), with their help. */
  options?: Record<string, string>;
  /** When set, the options that must be given; usage shows the others in brackets. */
  required?: string[];
  /** Options that take one or more values (`--ops wrapKey unwrapKey`), with their help. */
  lists?: Record<string, string>;
  /** Three-state flags (`--enabled`, `--enabled false`), with their help. */
  switches?: Record<string, string>;
  /** Options that are plain flags, with their help. */
  flags?: Record<string, string>;
  summary: string;
  /** The API route it calls (its operationId): its help shows the route's parameters and body fields. */
  api?: string;
  /** The role whose token it uses; absent for `local` commands, which talk to the local vault only. */
  role?: Role;
  /** Starts operations: accepts --wait. */
  long?: boolean;
  run(ctx: CommandContext, positionals: string[]): Promise<number>;
}

export const e = encodeURIComponent;

export function required(ctx: CommandContext, name: string): string {
  const v = value(ctx.args, name);
  if (!v) throw new UsageError(`--${name} is required`);
  return v;
}

/** The API's JSON with --json (or when there is no human form), else the human form. */
export function show(ctx: CommandContext, body: unknown, human?: () => string): number {
  ctx.print(ctx.json || !human ? JSON.stringify(body, null, 2) : human());
  return EXIT.ok;
}

export function usageOf(c: Command): string {
  const opts = [
    ...Object.keys(c.options ?? {}).map((o) => (!c.required || c.required.includes(o) ? `--${o} <value>` : `[--${o} <value>]`)),
    ...Object.keys(c.lists ?? {}).map((o) => `[--${o} <value...>]`),
    ...Object.keys(c.switches ?? {}).map((o) => `[--${o} [true|false]]`),
    ...Object.keys(c.flags ?? {}).map((f) => `[--${f}]`),
    ...(c.long ? ["[--wait]"] : []),
  ];
  return `keyward ${[...c.words, ...c.params, ...opts].join(" ")}`;
}

export function helpOf(c: Command): string {
  const whose = c.role
    ? `Uses a ${c.role} token.`
    : "Drives the local Key Vault of the embedded default ('npm start', .keyward/local.json) as its key vault administrator,\n" +
      "as 'az' would drive Azure's; it refuses to run against anything else.";
  const lines = [`usage: ${usageOf(c)}`, "", c.summary, "", whose];
  const opts = { ...(c.options ?? {}), ...(c.lists ?? {}), ...(c.switches ?? {}), ...(c.flags ?? {}) };
  if (Object.keys(opts).length || c.long) {
    lines.push("", "options:");
    for (const [name, help] of Object.entries(opts)) lines.push(`  --${name.padEnd(24)} ${help}`);
    if (c.long) lines.push(`  --${"wait".padEnd(24)} follow the operation to its end with a progress line; exit 3 if it fails`);
  }
  if (c.api) lines.push(...apiHelpLines(c.api));
  return lines.join("\n");
}
