// A plain-text table: columns padded to their widest cell, numbers right-aligned.

export type Cell = string | number;

function format(cell: Cell): string {
  if (typeof cell === "string") return cell;
  if (!Number.isFinite(cell)) return String(cell);
  return Number.isInteger(cell) ? cell.toLocaleString("en-US") : cell.toLocaleString("en-US", { maximumFractionDigits: 3 });
}

export function renderTable(header: string[], rows: Cell[][]): string {
  const text = rows.map((r) => r.map(format));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? "").length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === "number"));
  const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...text.map(line)].join("\n");
}
