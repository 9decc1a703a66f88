// Reads .keyward/local.json (what `npm start` writes) from a given path, so the CLI and its tests
// can point at any embedded keyward. A file that is not JSON is an error that says so.
import fs from "node:fs";
import type { LocalFile } from "../local/cli/localFile";
import { ConfigError } from "./errors";

export function readLocalFileIfPresent(file: string): LocalFile | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as LocalFile;
  } catch (err) {
    throw new ConfigError(`${file} is not the JSON that 'npm start' writes (${(err as Error).message}); restart 'npm start' to write it again.`);
  }
}
