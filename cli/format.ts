// Human output: aligned columns for lists, indented key: value for one object.

export function columns(header: string[], rows: (string | number | null | undefined)[][]): string {
  const text = rows.map((r) => r.map((c) => (c === null || c === undefined ? "-" : String(c))));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), ...text.map(line)].join("\n");
}

/** Nested objects as indented `key: value` lines; arrays of scalars joined, of objects listed. */
export function describe(value: unknown, indent = ""): string {
  if (value === null || value === undefined) return `${indent}-`;
  if (typeof value !== "object") return `${indent}${String(value)}`;
  const lines: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      lines.push(`${indent}${k}:`, describe(v, `${indent}  `));
    } else if (Array.isArray(v)) {
      if (v.every((x) => x === null || typeof x !== "object")) lines.push(`${indent}${k}: ${v.length ? v.join(", ") : "-"}`);
      else {
        lines.push(`${indent}${k}:`);
        for (const item of v) lines.push(`${indent}  -`, describe(item, `${indent}    `));
      }
    } else lines.push(`${indent}${k}: ${v === null || v === undefined ? "-" : String(v)}`);
  }
  return lines.join("\n");
}
