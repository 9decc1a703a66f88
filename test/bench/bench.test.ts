// `npm run bench` at the tiny size, in-process (this file's worker loads the app once, on the
// run's shared Azurite, so the run costs no extra processes): it must succeed and write a results
// file holding every figure the issue names as a number at section.figure. The compiled command
// is run as a child too, for its usage error.
import { afterAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runBench } from "../../bench/run";
import { parseOptions } from "../../bench/options";
import { testStorage, uniquePrefix } from "../support/storage";

/** The figures the bench reports, section by section: the bench's contract. */
const FIGURES: Record<string, string[]> = {
  reencrypt: ["recordsPerSecond", "mbPerSecond", "vsPlainCopy"],
  downtime: ["seconds", "secondsWith10xFiles", "ratio", "onlineSeconds", "onlineLostWrites"],
  rotation: ["seconds", "bytesRewritten", "environmentsLocked", "environmentsFailed", "vaultThrottled"],
  lock: ["msWithEvents", "msProbeOnly", "msFromFirstRefusal5sPropagation"],
  dataplane: ["readP50Ms", "readP99Ms", "writeP50Ms", "writeP99Ms", "vsPlaintext", "vaultUnwrapsPer10kReads"],
  peer: ["keywardVsAwsEsdk"],
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-bench-test-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function runBenchCommand(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = path.resolve("dist/bench/run.js");
  if (!fs.existsSync(script)) throw new Error(`${script} is missing: build first (npm test builds)`);
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { timeout: 170_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("npm run bench --tiny", () => {
  it("writes every named figure as a number and prints them", async () => {
    const out = path.join(dir, "results.json");
    const printed: string[] = [];
    const logged: string[] = [];
    const run = await runBench(parseOptions(["--tiny", "--out", out]), {
      stack: { storageConnectionString: testStorage(), namespace: uniquePrefix("bench"), loadApp: () => import("../../app.js") },
      print: (text) => printed.push(text),
      log: (line) => logged.push(line),
    });
    expect(run.failed, logged.join("\n").slice(-4000)).toBe(false);
    const stdout = printed.join("\n");
    const results = JSON.parse(fs.readFileSync(out, "utf8")) as Record<string, Record<string, unknown>>;
    for (const [section, figures] of Object.entries(FIGURES)) {
      for (const figure of figures) {
        const value = results[section]?.[figure];
        expect(typeof value === "number" && Number.isFinite(value), `${section}.${figure} = ${JSON.stringify(value)}`).toBe(true);
        expect(stdout).toContain(`${section}.${figure}`);
      }
    }
    // Measured facts, not just shapes: a key rotation rewrites no data, and throughputs are positive.
    expect(results.rotation.bytesRewritten).toBe(0);
    // A "downtime": "none" add: the polling reader never refused, every acknowledged write kept.
    expect(results.downtime.onlineSeconds).toBe(0);
    expect(results.downtime.onlineLostWrites).toBe(0);
    // With the vault's quotas on: nothing locked, nothing failed.
    expect(results.rotation.environmentsLocked).toBe(0);
    expect(results.rotation.environmentsFailed).toBe(0);
    expect(results.reencrypt.recordsPerSecond as number).toBeGreaterThan(0);
    expect(results.peer.keywardVsAwsEsdk as number).toBeGreaterThan(0);
    expect(results.meta.failed).toBeUndefined();
  }, 180_000);

  it("refuses an unknown section with a usage error (exit 2)", async () => {
    const run = await runBenchCommand(["--only", "nonsense", "--out", path.join(dir, "never.json")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown section");
    expect(fs.existsSync(path.join(dir, "never.json"))).toBe(false);
  });
});
