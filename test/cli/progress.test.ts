// The CLI's pieces without a server: the progress line (bar, counts, rate over a sliding window,
// redraw on a terminal, one line per change elsewhere) and the argument parser (values, az's
// three-state flags and lists).
import { describe, expect, it } from "vitest";
import { progressLine, ProgressReporter } from "../../cli/progress";
import { booleanValue, parseArgs, values, UsageError } from "../../cli/args";

describe("progress line", () => {
  it("shows status, bar, done/total, percent, rate and step", () => {
    expect(progressLine({ label: "env-1", status: "Encrypting", done: 50, total: 200, unit: "items", step: "Re-encrypt records" }, 12.5))
      .toBe("env-1  Encrypting  [######------------------]  50/200 items  25%  12.5 items/s  (Re-encrypt records)");
    expect(progressLine({ label: "env-1", status: "Running" }, 0)).toBe("env-1  Running");
  });

  it("measures the rate over the last ten seconds and redraws one line on a terminal", () => {
    let now = 0;
    const written: string[] = [];
    const reporter = new ProgressReporter({ write: (t) => written.push(t), isTTY: true, columns: 200 }, () => now);
    reporter.update({ label: "e", status: "Encrypting", done: 0, total: 1000, unit: "items" });
    now = 2000;
    reporter.update({ label: "e", status: "Encrypting", done: 400, total: 1000, unit: "items" });
    expect(written[1]).toMatch(/^\r.*400\/1000 items  40%  200 items\/s\x1b\[K$/);
    now = 20_000; // the first samples age out: the rate is over the window, not since the start
    reporter.update({ label: "e", status: "EncryptingOnline", done: 1000, total: 1000, unit: "items" });
    expect(written[2]).not.toMatch(/items\/s/);
    reporter.finish();
    expect(written[3]).toBe("\n");
  });

  it("writes a plain line per status or step change when not on a terminal", () => {
    const written: string[] = [];
    const reporter = new ProgressReporter({ write: (t) => written.push(t), isTTY: false });
    for (const done of [1, 2, 3]) reporter.update({ label: "e", status: "Encrypting", done, total: 3 });
    reporter.update({ label: "e", status: "Succeeded", done: 3, total: 3 });
    reporter.finish();
    expect(written).toHaveLength(2);
    expect(written.every((l) => l.endsWith("\n") && !l.includes("\r"))).toBe(true);
  });
});

describe("argument parser", () => {
  it("separates positionals, flags and values, and knows which options take one", () => {
    const parsed = parseArgs(["env-1", "--wait", "--region", "europe", "--type=Sandbox", "--", "--literal"], new Set(["region", "type"]));
    expect(parsed.positionals).toEqual(["env-1", "--literal"]);
    expect([...parsed.flags]).toEqual(["wait"]);
    expect(parsed.values.get("region")).toEqual(["europe"]);
    expect(parsed.values.get("type")).toEqual(["Sandbox"]);
    expect(() => parseArgs(["--region"], new Set(["region"]))).toThrow(UsageError);
    expect(() => parseArgs(["--wait=yes"], new Set())).toThrow(/takes no value/);
  });

  it("reads az's three-state flags: alone true, or followed by true/false (or =value)", () => {
    const spec = { takesValue: new Set(["name"]), threeState: new Set(["enabled", "disabled"]) };
    const alone = parseArgs(["--enabled", "--name", "k"], spec);
    expect(booleanValue(alone, "enabled")).toBe(true);
    expect(booleanValue(alone, "disabled")).toBeUndefined();
    expect(booleanValue(parseArgs(["--enabled", "false"], spec), "enabled")).toBe(false);
    expect(booleanValue(parseArgs(["--enabled", "TRUE"], spec), "enabled")).toBe(true);
    expect(booleanValue(parseArgs(["--enabled=no"], spec), "enabled")).toBe(false);
    // A word that is not a boolean stays a positional.
    expect(parseArgs(["--enabled", "env-1"], spec).positionals).toEqual(["env-1"]);
    expect(() => parseArgs(["--enabled=maybe"], spec)).toThrow(/true or false, not 'maybe'/);
  });

  it("reads a list option up to the next option, or comma-separated after =", () => {
    const spec = { takesValue: new Set(["name"]), list: new Set(["ops"]) };
    const parsed = parseArgs(["--ops", "wrapKey", "unwrapKey", "--name", "k"], spec);
    expect(values(parsed, "ops")).toEqual(["wrapKey", "unwrapKey"]);
    expect(parsed.positionals).toEqual([]);
    expect(values(parseArgs(["--ops=wrapKey,unwrapKey"], spec), "ops")).toEqual(["wrapKey", "unwrapKey"]);
    expect(() => parseArgs(["--ops", "--name", "k"], spec)).toThrow(/--ops needs one or more values/);
  });
});
