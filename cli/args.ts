// A small argv parser: positionals, `--flag`, `--name value` and `--name=value`. Which names take
// a value is declared, so `--wait env-1` never swallows a positional.

export interface ParsedArgs {
  positionals: string[];
  flags: Set<string>;
  values: Map<string, string[]>;
}

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[], takesValue: ReadonlySet<string>): ParsedArgs {
  const parsed: ParsedArgs = { positionals: [], flags: new Set(), values: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      parsed.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h") { parsed.flags.add("help"); continue; }
    if (!arg.startsWith("--") || arg === "--") { parsed.positionals.push(arg); continue; }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new UsageError(`'${arg}' is not an option`);
    if (takesValue.has(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || (eq === -1 && value.startsWith("--"))) throw new UsageError(`--${name} needs a value`);
      parsed.values.set(name, [...(parsed.values.get(name) ?? []), value]);
    } else {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      parsed.flags.add(name);
    }
  }
  return parsed;
}

export function value(args: ParsedArgs, name: string): string | undefined {
  const all = args.values.get(name);
  return all?.[all.length - 1];
}
