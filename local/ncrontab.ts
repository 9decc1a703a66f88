// NCRONTAB expressions as Azure Functions timer triggers use them, in UTC:
//   {second} {minute} {hour} {day} {month} {day-of-week}   e.g. "*/5 * * * * *", "0 30 9 * * MON-FRI"
// Each field: *, n, a-b, */s, a-b/s, n/s, and comma lists of those; months and weekdays also by
// three-letter name; weekday 0 and 7 are Sunday. A five-field expression means second 0.
// Like NCrontab, a time must match BOTH the day and the day-of-week fields.

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: FieldSpec[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { name: "day-of-week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

export interface CronSchedule {
  expression: string;
  seconds: ReadonlySet<number>;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  weekdays: ReadonlySet<number>;
}

function parseValue(text: string, spec: FieldSpec, expression: string): number {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + (spec.name === "month" ? 1 : 0);
  if (!/^\d+$/.test(text)) throw new Error(`invalid ${spec.name} '${text}' in schedule '${expression}'`);
  const value = Number(text);
  if (value < spec.min || value > spec.max) throw new Error(`${spec.name} ${value} is out of range ${spec.min}-${spec.max} in schedule '${expression}'`);
  return value;
}

function parseField(text: string, spec: FieldSpec, expression: string): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/");
    if (range === "" || stepText === "") throw new Error(`invalid ${spec.name} '${part}' in schedule '${expression}'`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`invalid step '${stepText}' in schedule '${expression}'`);
    let from: number;
    let to: number;
    if (range === "*") {
      from = spec.min;
      to = spec.name === "day-of-week" ? 6 : spec.max;
    } else if (range.includes("-")) {
      const [a, b] = range.split("-");
      from = parseValue(a, spec, expression);
      to = parseValue(b, spec, expression);
      if (from > to) throw new Error(`range ${range} runs backwards in schedule '${expression}'`);
    } else {
      from = parseValue(range, spec, expression);
      to = stepText === undefined ? from : spec.name === "day-of-week" ? 6 : spec.max; // "n/s": from n to the end
    }
    for (let v = from; v <= to; v += step) values.add(spec.name === "day-of-week" && v === 7 ? 0 : v);
  }
  return values;
}

export function parseNcrontab(expression: string): CronSchedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length === 5) fields.unshift("0");
  if (fields.length !== 6) throw new Error(`schedule '${expression}' must have 6 fields: second minute hour day month day-of-week`);
  const [seconds, minutes, hours, days, months, weekdays] = fields.map((f, i) => parseField(f, FIELDS[i], expression));
  return { expression, seconds, minutes, hours, days, months, weekdays };
}

/** The first time strictly after `after` (whole seconds, UTC) that matches the schedule. */
export function nextOccurrence(schedule: CronSchedule, after: Date): Date {
  const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  const limit = after.getTime() + 5 * 366 * 24 * 3600 * 1000; // impossible schedules (Feb 30) end here
  while (t.getTime() <= limit) {
    if (!schedule.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0);
      continue;
    }
    if (!schedule.days.has(t.getUTCDate()) || !schedule.weekdays.has(t.getUTCDay())) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0);
      continue;
    }
    if (!schedule.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0);
      continue;
    }
    if (!schedule.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0);
      continue;
    }
    if (!schedule.seconds.has(t.getUTCSeconds())) {
      t.setUTCSeconds(t.getUTCSeconds() + 1);
      continue;
    }
    return t;
  }
  throw new Error(`schedule '${schedule.expression}' never occurs`);
}
