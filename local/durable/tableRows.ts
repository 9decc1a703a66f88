// Stores arbitrary JSON in Azure Table rows despite the limits: a string property holds at most
// 64 KiB (32K UTF-16 code units) and an entity at most 1 MiB. The JSON text is cut into chunks held
// in properties d0, d1, ... and, when one row is not enough, continued in overflow rows whose keys
// are the base key plus "~+001", "~+002", ... (they sort right after the base row).
import type { TableEntity } from "@azure/data-tables";

/** Code units per property: below the 32,768 limit with room to spare. */
export const CHUNK_CHARS = 30_000;
/** Properties per row: 14 x 30,000 units x 2 bytes is about 840 KB, under 1 MiB with the keys. */
export const CHUNKS_PER_ROW = 14;

const OVERFLOW = /^(.*)~\+(\d{3})$/;

export type RowProperties = Record<string, string | number | boolean>;
export type Row = TableEntity<RowProperties>;

/** Cuts text into chunks without ever splitting a UTF-16 surrogate pair (that would corrupt it). */
export function splitText(text: string, size = CHUNK_CHARS): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1; // keep the pair together
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks.length ? chunks : [""];
}

export function overflowKey(baseKey: string, index: number): string {
  return `${baseKey}~+${String(index).padStart(3, "0")}`;
}

/** The base key of a row key (itself, unless it is an overflow row). */
export function baseKeyOf(rowKey: string): string {
  const m = OVERFLOW.exec(rowKey);
  return m ? m[1] : rowKey;
}

/**
 * Rows that hold `value` as JSON under `baseKey`. `headProperties` (plain queryable columns) go on
 * the first row, which also records how many rows there are in `parts`.
 */
export function encodeJsonRows(partitionKey: string, baseKey: string, value: unknown, headProperties: RowProperties = {}): Row[] {
  const chunks = splitText(JSON.stringify(value));
  const rows: Row[] = [];
  for (let i = 0; i * CHUNKS_PER_ROW < chunks.length; i++) {
    const row: Row = { partitionKey, rowKey: i === 0 ? baseKey : overflowKey(baseKey, i) };
    chunks.slice(i * CHUNKS_PER_ROW, (i + 1) * CHUNKS_PER_ROW).forEach((chunk, j) => (row[`d${j}`] = chunk));
    rows.push(row);
  }
  if (rows.length > 999) throw new Error(`value for ${baseKey} is too large to store (${chunks.length} chunks)`);
  Object.assign(rows[0], headProperties, { parts: rows.length });
  return rows;
}

/** The JSON text of one row group (rows sorted by key: the head first, then its overflow rows). */
export function joinRowText(rows: readonly Row[]): string {
  let text = "";
  for (const row of rows) {
    for (let j = 0; typeof row[`d${j}`] === "string"; j++) text += row[`d${j}`] as string;
  }
  return text;
}

export function decodeJsonRows(rows: readonly Row[]): unknown {
  return JSON.parse(joinRowText(rows)) as unknown;
}

/** Groups rows (in key order) by base key. */
export function groupRows(rows: readonly Row[]): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const base = baseKeyOf(row.rowKey);
    const list = groups.get(base) ?? [];
    list.push(row);
    groups.set(base, list);
  }
  return groups;
}

/**
 * Approximate size of rows in a transaction request: the service limits the request body (UTF-8
 * JSON, where the quotes inside our JSON text get escaped) to 4 MiB.
 */
export function requestBytes(rows: readonly Row[]): number {
  let bytes = 0;
  for (const row of rows) {
    for (const value of Object.values(row)) bytes += typeof value === "string" ? Buffer.byteLength(JSON.stringify(value)) : 16;
  }
  return bytes;
}
