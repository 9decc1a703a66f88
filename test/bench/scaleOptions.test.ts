// `npm run bench -- --scale`: the scale section alone, never in the default run; its sizes.
import { describe, expect, it } from "vitest";
import { parseOptions, selected, SECTIONS } from "../../bench/options";
import { scaleSizes } from "../../bench/scale";

describe("bench --scale", () => {
  it("runs the scale section and nothing else; the default run leaves it out", () => {
    const scale = parseOptions(["--scale"]);
    expect(SECTIONS.filter((s) => selected(scale, s))).toEqual(["scale"]);
    const plain = parseOptions([]);
    expect(SECTIONS.filter((s) => selected(plain, s))).toEqual(["reencrypt", "downtime", "rotation", "lock", "dataplane", "peer"]);
    expect(SECTIONS.filter((s) => selected(parseOptions(["--only", "scale,peer"]), s))).toEqual(["peer", "scale"]);
  });

  it("adds at 10^4 and 10^5 records, 10^6 with --large, and smoke sizes with --tiny", () => {
    expect(scaleSizes(parseOptions(["--scale"]))).toEqual([10_000, 100_000]);
    expect(scaleSizes(parseOptions(["--scale", "--large"]))).toEqual([10_000, 100_000, 1_000_000]);
    expect(scaleSizes(parseOptions(["--scale", "--tiny"]))).toEqual([200, 2_000]);
  });
});
