// The bench's sizes, from flags. The defaults are sized so the whole run ends in under five
// minutes on two cores; --tiny is the smoke size the test runs.
//
//   npm run bench -- [--tiny] [--out FILE] [--only reencrypt,lock,...] [--records N] [--files N] ...

export interface BenchOptions {
  /** Records of the re-encryption run (and of each downtime environment). */
  records: number;
  /** Bytes of each record value (JSON, about this long). */
  recordBytes: number;
  /** Files of the first downtime environment; the second has ten times as many. */
  files: number;
  fileBytes: number;
  /** Environments re-wrapped by the rotation run, and records in each. */
  environments: number;
  recordsPerEnvironment: number;
  /** Timed data-plane calls (each paired with its plaintext twin). */
  reads: number;
  writes: number;
  /** Records each envelope implementation seals and opens in the peer run. */
  peerRecords: number;
  /** The key health probe's interval during the run (the "probe alone" lock figure scales with it). */
  probeSeconds: number;
  /** Where results.json goes. */
  out: string;
  /** Sections to run (all by default). */
  only?: string[];
  verbose: boolean;
  tiny: boolean;
  /** --scale: the scale section alone (adds at 10^4 and 10^5 records); not part of the default run. */
  scale: boolean;
  /** --large: the scale section adds at 10^6 records too. */
  large: boolean;
}

export const SECTIONS = ["reencrypt", "downtime", "rotation", "lock", "dataplane", "peer", "scale"] as const;
export type SectionName = (typeof SECTIONS)[number];

type Sizes = Omit<BenchOptions, "out" | "verbose" | "tiny" | "only" | "scale" | "large">;
type NumericKey = keyof Sizes;

const DEFAULTS: Sizes = {
  records: 2000, recordBytes: 1024, files: 20, fileBytes: 16 * 1024, environments: 10, recordsPerEnvironment: 20,
  reads: 2000, writes: 500, peerRecords: 5000, probeSeconds: 10,
};

const TINY: Sizes = {
  records: 60, recordBytes: 256, files: 3, fileBytes: 1024, environments: 2, recordsPerEnvironment: 3,
  reads: 60, writes: 30, peerRecords: 200, probeSeconds: 2,
};

const NUMERIC: Record<string, NumericKey> = {
  "--records": "records", "--record-bytes": "recordBytes", "--files": "files", "--file-bytes": "fileBytes",
  "--environments": "environments", "--records-per-environment": "recordsPerEnvironment", "--reads": "reads",
  "--writes": "writes", "--peer-records": "peerRecords", "--probe-seconds": "probeSeconds",
};

export const USAGE = `usage: npm run bench -- [options]
  --tiny                       smoke-test sizes (seconds, not minutes)
  --scale                      the scale section only: adds at 10^4 and 10^5 records (with --tiny: 200 and 2,000)
  --large                      with --scale: an add at 10^6 records too
  --out FILE                   results file (default bench/results.json)
  --only a,b                   sections to run: ${SECTIONS.join(", ")}
  --records N                  records re-encrypted (default ${DEFAULTS.records}); also each downtime environment's
  --record-bytes N             bytes per record value (default ${DEFAULTS.recordBytes})
  --files N                    files of the first downtime environment; the second has 10x (default ${DEFAULTS.files})
  --file-bytes N               bytes per file (default ${DEFAULTS.fileBytes})
  --environments N             environments re-wrapped by the rotation (default ${DEFAULTS.environments})
  --records-per-environment N  records in each of them (default ${DEFAULTS.recordsPerEnvironment})
  --reads N / --writes N       timed data-plane calls (default ${DEFAULTS.reads} / ${DEFAULTS.writes})
  --peer-records N             1 KiB records sealed and opened per library (default ${DEFAULTS.peerRecords})
  --probe-seconds N            key health probe interval, 1-59 (default ${DEFAULTS.probeSeconds})
  --verbose                    the runtime's log on stderr`;

export function parseOptions(argv: string[]): BenchOptions {
  const tiny = argv.includes("--tiny");
  const options: BenchOptions = { ...(tiny ? TINY : DEFAULTS), out: "bench/results.json", verbose: false, tiny, scale: false, large: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--tiny") continue;
    if (flag === "--verbose") { options.verbose = true; continue; }
    if (flag === "--scale") { options.scale = true; continue; }
    if (flag === "--large") { options.large = true; continue; }
    if (flag === "--help" || flag === "-h") throw new UsageError(USAGE);
    const value = argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value\n${USAGE}`);
    if (flag === "--out") options.out = value;
    else if (flag === "--only") {
      const names = value.split(",").map((s) => s.trim()).filter(Boolean);
      const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
      if (unknown.length) throw new UsageError(`unknown section(s) ${unknown.join(", ")}; known: ${SECTIONS.join(", ")}`);
      options.only = names;
    } else if (NUMERIC[flag]) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a whole number >= 1, not ${JSON.stringify(value)}`);
      options[NUMERIC[flag]] = n;
    } else throw new UsageError(`unknown option ${flag}\n${USAGE}`);
  }
  // "*/N" in NCRONTAB's seconds field: N must be below 60.
  if (options.probeSeconds > 59) throw new UsageError("--probe-seconds must be 1 to 59");
  return options;
}

export class UsageError extends Error {}

export function selected(options: BenchOptions, section: SectionName): boolean {
  // The scale section runs for --scale (or --only scale), and --scale runs nothing else.
  if (options.scale) return section === "scale";
  if (section === "scale") return !!options.only?.includes("scale");
  return !options.only || options.only.includes(section);
}
