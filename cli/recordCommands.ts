// The data user's side: write, read and bulk-load an environment's records through the data API
// (Environment.User). A locked environment answers 423 EnvironmentLocked, one in downtime 503.
// `import` reads JSON Lines, one record a line: {"table": "...", "id": "...", "value": <any JSON>}.
import fs from "node:fs";
import { UsageError } from "./args";
import { e, EXIT, show, type Command, type CommandContext } from "./command";

/** Records written at once by `import`. */
const IMPORT_PARALLELISM = 8;

interface ImportLine {
  table: string;
  id: string;
  value: unknown;
}

function parseImportFile(file: string): ImportLine[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const lines: ImportLine[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let parsed: Partial<ImportLine>;
    try { parsed = JSON.parse(line) as Partial<ImportLine>; } catch { throw new UsageError(`${file} line ${i + 1} is not JSON`); }
    if (typeof parsed?.table !== "string" || !parsed.table || typeof parsed.id !== "string" || !parsed.id || !("value" in parsed)) {
      throw new UsageError(`${file} line ${i + 1} needs {"table": "<name>", "id": "<record id>", "value": <JSON>}`);
    }
    lines.push({ table: parsed.table, id: parsed.id, value: parsed.value });
  });
  if (!lines.length) throw new UsageError(`${file} holds no records`);
  return lines;
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new UsageError(`the value must be JSON (quote it for the shell: '{"name": "Fabrikam"}'), not ${raw}`);
  }
}

async function importAll(ctx: CommandContext, env: string, lines: ImportLine[]): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    // The first refusal stops every worker: the error names it, and nothing more is written after it.
    while (next < lines.length && !failed) {
      const line = lines[next++];
      try {
        await ctx.client.request("Environment.User", "PUT", `environments/${e(env)}/records/${e(line.table)}/${e(line.id)}`, line.value);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IMPORT_PARALLELISM, lines.length) }, worker));
}

export const RECORD_COMMANDS: Command[] = [
  {
    words: ["records", "put"], api: "putRecord", params: ["<environmentId>", "<table>", "<recordId>", "<json>"], role: "Environment.User",
    summary: "Write a record (any JSON value) into an environment's table.",
    async run(ctx, [env, table, id, raw]) {
      const body = (await ctx.client.request("Environment.User", "PUT", `environments/${e(env)}/records/${e(table)}/${e(id)}`, parseValue(raw))).body;
      return show(ctx, body, () => `Wrote ${table}/${id} in ${env}.`);
    },
  },
  {
    words: ["records", "get"], api: "getRecord", params: ["<environmentId>", "<table>", "<recordId>"], role: "Environment.User",
    summary: "Read a record (prints its JSON value).",
    async run(ctx, [env, table, id]) {
      const body = (await ctx.client.request("Environment.User", "GET", `environments/${e(env)}/records/${e(table)}/${e(id)}`)).body;
      return show(ctx, body, () => JSON.stringify(body.value));
    },
  },
  {
    words: ["records", "import"], api: "putRecord", params: ["<environmentId>", "<file.jsonl>"], role: "Environment.User",
    summary: "Write every record of a JSON Lines file ({\"table\", \"id\", \"value\"} a line) into an environment.",
    async run(ctx, [env, file]) {
      const lines = parseImportFile(file);
      await importAll(ctx, env, lines);
      const tables = new Set(lines.map((l) => l.table));
      const summary = { environmentId: env, records: lines.length, tables: [...tables].sort() };
      show(ctx, summary, () => `Imported ${lines.length} records into ${env} (tables: ${summary.tables.join(", ")}).`);
      return EXIT.ok;
    },
  },
];
