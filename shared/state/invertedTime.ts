/** The largest Date value, so inverted keys sort newest first. */
const MAX_TICKS = 8_640_000_000_000_000;

/** A row key that sorts newest first: the inverted time, then a tie-breaker. */
export function invertedTimeKey(at: Date, suffix: string): string {
  return `${String(MAX_TICKS - at.getTime()).padStart(16, "0")}_${suffix}`;
}
