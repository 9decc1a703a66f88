// A small argv parser: positionals, `--flag`, `--name value` and `--name=value`. Which names take
// a value is declared, so `--wait env-1` never swallows a positional. Two shapes the Azure CLI
// uses are declared the same way: a three-state flag (`--enabled`, `--enabled true|false`) and a
// list (`--ops wrapKey unwrapKey`: every word up to the next option).

export interface ParsedArgs {
  positionals: string[];
  flags: Set<string>;
  values: Map<string, string[]>;
}

export interface ArgSpec {
  /** `--name value`: the option takes one value (repeatable; the last one counts). */
  takesValue: ReadonlySet<string>;
  /** `--name` alone means true; `--name true|false` says which. */
  threeState?: ReadonlySet<string>;
  /** `--name a b c`: every following word up to the next option. */
  list?: ReadonlySet<string>;
}

export class UsageError extends Error {}

const BOOLEAN_WORDS = new Map([["true", "true"], ["false", "false"], ["yes", "true"], ["no", "false"]]);

export function parseArgs(argv: readonly string[], spec: ArgSpec | ReadonlySet<string>): ParsedArgs {
  const { takesValue, threeState = new Set<string>(), list = new Set<string>() } = spec instanceof Set ? { takesValue: spec } : (spec as ArgSpec);
  const parsed: ParsedArgs = { positionals: [], flags: new Set(), values: new Map() };
  const add = (name: string, value: string) => parsed.values.set(name, [...(parsed.values.get(name) ?? []), value]);
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
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    if (threeState.has(name)) {
      const word = inline ?? (BOOLEAN_WORDS.has((argv[i + 1] ?? "").toLowerCase()) ? argv[++i] : "true");
      const bool = BOOLEAN_WORDS.get(word.toLowerCase());
      if (!bool) throw new UsageError(`--${name} is true or false, not '${word}'`);
      add(name, bool);
    } else if (list.has(name)) {
      const words = inline !== undefined ? inline.split(/[\s,]+/).filter(Boolean) : [];
      while (inline === undefined && i + 1 < argv.length && !argv[i + 1].startsWith("--")) words.push(argv[++i]);
      if (!words.length) throw new UsageError(`--${name} needs one or more values`);
      for (const w of words) add(name, w);
    } else if (takesValue.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith("--"))) throw new UsageError(`--${name} needs a value`);
      add(name, value);
    } else {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      parsed.flags.add(name);
    }
  }
  return parsed;
}

export function value(args: ParsedArgs, name: string): string | undefined {
  const all = args.values.get(name);
  return all?.[all.length - 1];
}

/** Every value given for a list option (or a repeated one). */
export function values(args: ParsedArgs, name: string): string[] {
  return args.values.get(name) ?? [];
}

/** A three-state flag: true, false, or undefined when absent. */
export function booleanValue(args: ParsedArgs, name: string): boolean | undefined {
  const v = value(args, name);
  return v === undefined ? undefined : v === "true";
}
