// Input rules of environment data, checked before anything is encrypted or stored. Every
// violation is a 400 (kind invalid) with a specific code, so bad input changes nothing.
//
// Names (table names and record ids):
//   - 1 to 255 characters (Unicode code points);
//   - no control characters (C0, DEL, C1), no lone surrogates;
//   - no "/" or "\" (they are single path segments of the data API), and not "." or "..";
//   - compared byte for byte: no case folding, no Unicode normalisation ("é" precomposed and
//     decomposed are two names).
// File paths:
//   - 1 to 1024 characters; segments separated by "/", none empty, "." or "..";
//   - no leading "/", no "\" (a second separator would make two spellings of one path);
//   - no control characters, no lone surrogates.
// Record values: any JSON value, at most 4 MiB as UTF-8 JSON. File bodies: at most 64 MiB.
import { invalid } from "../errors";
import { checkEnvironmentId } from "../domain/ids";

export const MAX_NAME_CHARS = 255;
export const MAX_PATH_CHARS = 1024;
export const MAX_RECORD_VALUE_BYTES = 4 * 1024 * 1024;
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
export const MAX_PAGE_SIZE = 1000;

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /\p{Cs}/u;
/** The one environment id rule (shared/domain/ids.ts). */
export function assertEnvironmentId(environmentId: unknown): asserts environmentId is string {
  checkEnvironmentId(environmentId, "environmentId");
}

function nameProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return "must be a string";
  const chars = [...value].length;
  if (chars < 1 || chars > MAX_NAME_CHARS) return `must be 1-${MAX_NAME_CHARS} characters`;
  if (CONTROL.test(value)) return "must not contain control characters";
  if (LONE_SURROGATE.test(value)) return "must be valid Unicode (it contains a lone surrogate)";
  if (value.includes("/") || value.includes("\\")) return "must not contain '/' or '\\'";
  if (value === "." || value === "..") return "must not be '.' or '..'";
  return undefined;
}

export function assertTableName(table: unknown): asserts table is string {
  const problem = nameProblem(table);
  if (problem) throw invalid("InvalidTableName", `The table name ${problem}.`, "table");
}

export function assertRecordId(recordId: unknown): asserts recordId is string {
  const problem = nameProblem(recordId);
  if (problem) throw invalid("InvalidRecordId", `The record id ${problem}.`, "recordId");
}

export function assertFilePath(path: unknown): asserts path is string {
  const fail = (why: string) => invalid("InvalidFilePath", `The file path ${why}.`, "path");
  if (typeof path !== "string") throw fail("must be a string");
  const chars = [...path].length;
  if (chars < 1 || chars > MAX_PATH_CHARS) throw fail(`must be 1-${MAX_PATH_CHARS} characters`);
  if (CONTROL.test(path)) throw fail("must not contain control characters");
  if (LONE_SURROGATE.test(path)) throw fail("must be valid Unicode (it contains a lone surrogate)");
  if (path.includes("\\")) throw fail("must use '/' as its only separator");
  for (const segment of path.split("/")) {
    if (segment === "") throw fail("must not start or end with '/' nor contain '//'");
    if (segment === "." || segment === "..") throw fail("must not contain '.' or '..' segments");
  }
}

/** The value as UTF-8 JSON, checked for size. */
export function serializeRecordValue(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  if (json === undefined) throw invalid("InvalidRecordValue", "The record value must be a JSON value.", "value");
  // JSON.stringify escapes lone surrogates (\udXXX), so the JSON is always valid UTF-8 text.
  if (Buffer.byteLength(json, "utf8") > MAX_RECORD_VALUE_BYTES) {
    throw invalid("RecordValueTooLarge", `A record value is at most ${MAX_RECORD_VALUE_BYTES} bytes of JSON.`, "value");
  }
  return json;
}

export function assertFileBody(body: unknown): asserts body is Uint8Array {
  if (!(body instanceof Uint8Array)) throw invalid("InvalidFileBody", "A file body must be bytes.", "body");
  if (body.length > MAX_FILE_BYTES) throw invalid("FileTooLarge", `A file is at most ${MAX_FILE_BYTES} bytes.`, "body");
}

export function pageSizeOrDefault(pageSize: unknown, fallback = 100): number {
  if (pageSize === undefined) return fallback;
  if (!Number.isInteger(pageSize) || (pageSize as number) < 1 || (pageSize as number) > MAX_PAGE_SIZE) {
    throw invalid("InvalidPageSize", `The page size must be a whole number from 1 to ${MAX_PAGE_SIZE}.`, "pageSize");
  }
  return pageSize as number;
}
