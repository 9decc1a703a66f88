import { describe, expect, it } from "vitest";
import { nextOccurrence, parseNcrontab } from "../../local/ncrontab";

const at = (iso: string) => new Date(iso);
const next = (expr: string, after: string) => nextOccurrence(parseNcrontab(expr), at(after)).toISOString();

describe("NCRONTAB parsing", () => {
  it("expands steps, ranges, lists and names", () => {
    const s = parseNcrontab("10-20/5 0,30 */6 1-3 JAN,jul MON-FRI");
    expect([...s.seconds]).toEqual([10, 15, 20]);
    expect([...s.minutes]).toEqual([0, 30]);
    expect([...s.hours]).toEqual([0, 6, 12, 18]);
    expect([...s.days]).toEqual([1, 2, 3]);
    expect([...s.months]).toEqual([1, 7]);
    expect([...s.weekdays]).toEqual([1, 2, 3, 4, 5]);
    expect([...parseNcrontab("0 0 0 * * 7").weekdays]).toEqual([0]); // 7 is Sunday too
    expect([...parseNcrontab("5/20 * * * * *").seconds]).toEqual([5, 25, 45]);
  });

  it("treats a five-field expression as second 0", () => {
    expect([...parseNcrontab("*/15 * * * *").seconds]).toEqual([0]);
    expect([...parseNcrontab("*/15 * * * *").minutes]).toEqual([0, 15, 30, 45]);
  });

  it("rejects malformed schedules with a message naming the problem", () => {
    expect(() => parseNcrontab("* * * *")).toThrow(/6 fields/);
    expect(() => parseNcrontab("60 * * * * *")).toThrow(/second 60 is out of range/);
    expect(() => parseNcrontab("*/0 * * * * *")).toThrow(/invalid step/);
    expect(() => parseNcrontab("5-1 * * * * *")).toThrow(/backwards/);
    expect(() => parseNcrontab("* * * * FOO *")).toThrow(/invalid month/);
  });
});

describe("next occurrence", () => {
  it("finds the next second, minute and hour matches strictly after the given time", () => {
    expect(next("*/5 * * * * *", "2026-03-01T12:00:03.400Z")).toBe("2026-03-01T12:00:05.000Z");
    expect(next("*/5 * * * * *", "2026-03-01T12:00:05.000Z")).toBe("2026-03-01T12:00:10.000Z");
    expect(next("0 */1 * * * *", "2026-03-01T12:00:00.000Z")).toBe("2026-03-01T12:01:00.000Z");
    expect(next("0 0 */6 * * *", "2026-03-01T13:10:00.000Z")).toBe("2026-03-01T18:00:00.000Z");
  });

  it("rolls over days, months and years", () => {
    expect(next("0 30 9 * * MON-FRI", "2026-03-07T10:00:00.000Z")).toBe("2026-03-09T09:30:00.000Z"); // Sat -> Mon
    expect(next("0 0 0 1 JAN,JUL *", "2026-03-07T10:00:00.000Z")).toBe("2026-07-01T00:00:00.000Z");
    expect(next("0 0 0 31 * *", "2026-04-01T00:00:00.000Z")).toBe("2026-05-31T00:00:00.000Z");
    expect(next("0 0 0 29 2 *", "2026-03-01T00:00:00.000Z")).toBe("2028-02-29T00:00:00.000Z");
  });

  it("requires both the day and the day of week to match, like NCrontab", () => {
    expect(next("0 0 0 13 * FRI", "2026-01-01T00:00:00.000Z")).toBe("2026-02-13T00:00:00.000Z");
  });

  it("reports schedules that never occur", () => {
    expect(() => nextOccurrence(parseNcrontab("0 0 0 30 2 *"), at("2026-01-01T00:00:00Z"))).toThrow(/never occurs/);
  });
});
