// A machine that cannot start the browser fails the console's tests with the reason and the fix;
// it never skips them: startBrowser rejects naming the missing executable, and a test file shaped
// like the console's (sharedBrowser awaited before each test) reports every test failed, none
// skipped, when run by vitest with KEYWARD_CHROMIUM pointing at a missing file.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sharedBrowser, startBrowser } from "./browser";

const ROOT = path.resolve(__dirname, "../..");
const MISSING = path.join(os.tmpdir(), `keyward-no-chromium-${process.pid}`, "chromium");

describe("a browser that cannot start", () => {
  it("startBrowser rejects, naming the missing executable and the fix", async () => {
    await expect(startBrowser({ executablePath: MISSING })).rejects.toThrow(`Chromium is not installed at ${MISSING}: install Debian's package ('apt-get install -y chromium'`);
  });

  it("sharedBrowser gives every caller the same rejection, and closing it then is harmless", async () => {
    const browser = sharedBrowser(() => startBrowser({ executablePath: MISSING }));
    await expect(browser.page()).rejects.toThrow(MISSING);
    await expect(browser.page()).rejects.toThrow(MISSING);
    await expect(browser.close()).resolves.toBeUndefined();
  });

  it("fails each test of a file that uses it, and skips none", { timeout: 120_000 }, () => {
    const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "keyward-nobrowser-")), "report.json");
    const run = spawnSync(process.execPath, [path.join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "--config", "test/console/fixtures/vitest.config.mts", "--reporter=json", `--outputFile=${report}`], {
      cwd: ROOT, env: { ...process.env, KEYWARD_CHROMIUM: MISSING }, encoding: "utf8", timeout: 110_000,
    });
    expect(run.status, run.stderr).toBe(1);
    const result = JSON.parse(fs.readFileSync(report, "utf8")) as {
      numFailedTests: number; numPassedTests: number; numPendingTests: number; numTodoTests: number;
      testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
    };
    expect({ failed: result.numFailedTests, passed: result.numPassedTests, skipped: result.numPendingTests + result.numTodoTests }).toEqual({ failed: 2, passed: 0, skipped: 0 });
    const tests = result.testResults.flatMap((file) => file.assertionResults);
    expect(tests.map((t) => [t.title, t.status])).toEqual([["first test", "failed"], ["second test", "failed"]]);
    for (const t of tests) expect(t.failureMessages.join("\n"), t.title).toContain(`Chromium is not installed at ${MISSING}`);
  });
});
