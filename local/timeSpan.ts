// .NET TimeSpan text, the way host.json writes durations ("00:10:00", "1.02:00:00", "00:00:00.5")
// and the way the Functions host prints them in messages ("00:10:00", "00:00:00.3000000").
// "-1" is host.json's "no limit" for functionTimeout: it parses to Infinity.
const TIME_SPAN = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?$/;

/** Milliseconds in a TimeSpan text; Infinity for "-1". Throws a message naming `what` if it is not one. */
export function parseTimeSpan(text: string, what: string): number {
  const trimmed = text.trim();
  if (trimmed === "-1") return Infinity;
  const m = TIME_SPAN.exec(trimmed);
  const hours = m ? Number(m[3]) : NaN;
  const minutes = m ? Number(m[4]) : NaN;
  const seconds = m?.[5] ? Number(m[5]) : 0;
  if (!m || hours > 23 || minutes > 59 || seconds > 59 || m[1]) {
    throw new Error(`${what} is '${text}', which is not a duration: write it as hh:mm:ss (for example "00:10:00"), d.hh:mm:ss, or -1 for no limit`);
  }
  const days = m[2] ? Number(m[2]) : 0;
  const fraction = m[6] ? Number(`0.${m[6]}`) : 0;
  return Math.round((((days * 24 + hours) * 60 + minutes) * 60 + seconds + fraction) * 1000);
}

/** TimeSpan.ToString() ("c" format): [d.]hh:mm:ss[.fffffff]. */
export function formatTimeSpan(ms: number): string {
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const two = (n: number): string => String(n).padStart(2, "0");
  const clock = `${two(Math.floor(totalSeconds / 3600) % 24)}:${two(Math.floor(totalSeconds / 60) % 60)}:${two(totalSeconds % 60)}`;
  const fractionMs = ms - totalSeconds * 1000;
  const fraction = fractionMs > 0 ? `.${String(Math.round(fractionMs * 10_000)).padStart(7, "0")}` : "";
  return `${days > 0 ? `${days}.` : ""}${clock}${fraction}`;
}
