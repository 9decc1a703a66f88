// `npm run bench [-- --tiny] [--out FILE] [--only a,b] [sizes...]`: keyward's figures on the
// embedded default (its own Azurite, local vault and runtime, in a temporary folder), printed as
// a table and written to bench/results.json as { section: { figure: number } } plus "meta".
// Every comparison is measured side by side in this run; see each section's file for how.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startStack, type StackOptions } from "../local/stack";
import { BenchContext } from "./support";
import { parseOptions, selected, UsageError, type BenchOptions, type SectionName } from "./options";
import type { Section, SectionResult } from "./section";
import { renderTable, type Cell } from "./table";
import { reencrypt } from "./reencrypt";
import { downtime } from "./downtime";
import { rotation } from "./rotation";
import { lock } from "./lock";
import { dataplane } from "./dataplane";
import { peer } from "./peer";
import { scale } from "./scale";

/** Run order: the data plane before lock (which revokes keys), peer last (CPU only). Output order follows SECTIONS. */
const RUN_ORDER: [SectionName, Section][] = [
  ["reencrypt", reencrypt], ["downtime", downtime], ["rotation", rotation], ["dataplane", dataplane], ["lock", lock], ["peer", peer], ["scale", scale],
];
const OUTPUT_ORDER: SectionName[] = ["reencrypt", "downtime", "rotation", "lock", "dataplane", "peer", "scale"];

export interface BenchResults {
  [section: string]: Record<string, number | string | string[]> | undefined;
}

function print(results: Map<SectionName, SectionResult>, failures: Map<SectionName, string>, out: (text: string) => void): void {
  const rows: Cell[][] = [];
  for (const section of OUTPUT_ORDER) {
    const r = results.get(section);
    if (r) for (const [name, f] of Object.entries(r.figures)) rows.push([`${section}.${name}`, f.value, f.unit]);
    else if (failures.has(section)) rows.push([`${section}`, "FAILED", failures.get(section)!.split("\n")[0].slice(0, 120)]);
  }
  out(`\n${renderTable(["figure", "value", "unit / meaning"], rows)}\n`);
  for (const section of OUTPUT_ORDER) for (const note of results.get(section)?.notes ?? []) out(`  ${section}: ${note}`);
}

/** A --scale run adds its section to the results file the default run wrote, keeping the rest. */
function mergedScale(file: string, summary: BenchResults): BenchResults {
  let existing: BenchResults = {};
  try {
    existing = JSON.parse(fs.readFileSync(file, "utf8")) as BenchResults;
  } catch {
    return summary;
  }
  const meta = summary.meta!;
  return {
    ...existing, scale: summary.scale,
    meta: { ...(existing.meta ?? {}), scaleGeneratedAt: meta.generatedAt, scaleSeconds: meta.seconds, scaleNotes: meta.notes, ...(meta.failed ? { scaleFailed: meta.failed } : {}) },
  };
}

export interface BenchEnvironment {
  /** Overrides of the stack (the test runs the bench in-process on its shared Azurite, loading app.ts from source). */
  stack?: Pick<StackOptions, "storageConnectionString" | "namespace" | "loadApp">;
  /** Where the table goes (default stdout). */
  print?: (text: string) => void;
  /** Where progress lines and section failures go (default stderr). */
  log?: (line: string) => void;
}

export async function runBench(options: BenchOptions, environment: BenchEnvironment = {}): Promise<{ results: BenchResults; failed: boolean }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-bench-"));
  const log = environment.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const out = environment.print ?? ((text: string) => console.log(text));
  const started = Date.now();
  const stack = await startStack({
    dataDir, port: 0, namespace: "bench", timers: true, log: options.verbose ? log : undefined,
    // The probe alone must find a revoked grant within the run; its interval is reported with the
    // figure. The scale section runs alone, with the deployed schedule (every minute): its vault
    // calls per operation would otherwise count a 10 s probe's calls over a long add.
    settings: { KEYWARD_KEY_HEALTH_PROBE_SCHEDULE: options.scale ? "0 */1 * * * *" : `*/${options.probeSeconds} * * * * *` },
    ...environment.stack,
  });
  const ctx = new BenchContext(stack, (line) => log(`[bench] ${line}`));
  const results = new Map<SectionName, SectionResult>();
  const failures = new Map<SectionName, string>();
  try {
    for (const [name, section] of RUN_ORDER) {
      if (!selected(options, name)) continue;
      const t = Date.now();
      log(`[bench] ${name}...`);
      try {
        results.set(name, await section(ctx, options));
        log(`[bench] ${name} done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      } catch (err) {
        failures.set(name, err instanceof Error ? err.stack ?? err.message : String(err));
        log(`[bench] ${name} FAILED: ${failures.get(name)}`);
      }
    }
  } finally {
    await stack.stop().catch((err: unknown) => log(`[bench] stopping the stack: ${String(err)}`));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const summary: BenchResults = {};
  for (const section of OUTPUT_ORDER) {
    const r = results.get(section);
    if (r) summary[section] = Object.fromEntries(Object.entries(r.figures).map(([k, f]) => [k, f.value]));
  }
  summary.meta = {
    generatedAt: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 1000), node: process.version,
    cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? "?"}`, tiny: String(options.tiny),
    sizes: JSON.stringify({ records: options.records, recordBytes: options.recordBytes, files: options.files, fileBytes: options.fileBytes, environments: options.environments, reads: options.reads, writes: options.writes, peerRecords: options.peerRecords }),
    notes: OUTPUT_ORDER.flatMap((s) => (results.get(s)?.notes ?? []).map((n) => `${s}: ${n}`)),
    ...(failures.size ? { failed: [...failures.keys()] } : {}),
  };
  fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
  fs.writeFileSync(options.out, `${JSON.stringify(options.scale ? mergedScale(options.out, summary) : summary, null, 2)}\n`);
  print(results, failures, out);
  out(`\nresults: ${path.resolve(options.out)} (${summary.meta!.seconds} s)`);
  return { results: summary, failed: failures.size > 0 };
}

if (require.main === module) {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(err instanceof UsageError ? 2 : 1);
  }
  runBench(options).then(
    ({ failed }) => process.exit(failed ? 1 : 0),
    (err: unknown) => {
      console.error(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
