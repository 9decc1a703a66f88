// npm test's chaos campaign: a fixed seed for about a minute of faults (chaos/campaign.ts) against
// the compiled keyward (npm test builds first), then every invariant checked with the faults
// cleared. A longer one: `npm run chaos -- --seed N --minutes 20` (README).
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCampaign, summary } from "../../chaos/campaign";

const SEED = 20261202;

describe("chaos campaign (short, fixed seed)", () => {
  it(`keeps every invariant through a minute of faults (seed ${SEED})`, async () => {
    const result = await runCampaign({ seed: SEED, minutes: 1, cli: path.resolve(__dirname, "../../dist/local/cli/start.js"), settleSeconds: 240 });
    const report = summary(result);
    console.log(report);
    expect(result.counters.violations, report).toEqual([]);
    // It did something worth checking: faults, operations, acknowledged writes read back.
    expect(result.counters.sum("faults."), report).toBeGreaterThan(0);
    expect(result.counters.entries("operations.").filter(([k]) => k.endsWith(".started")).length, report).toBeGreaterThan(0);
    expect(result.counters.get("writes.acknowledged"), report).toBeGreaterThan(50);
    expect(result.counters.get("final.records.checked"), report).toBeGreaterThan(0);
    expect(result.counters.get("final.deks.itemsChecked"), report).toBeGreaterThan(0);
  }, 15 * 60_000);
});
