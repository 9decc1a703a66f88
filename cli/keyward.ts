#!/usr/bin/env node
// The `keyward` command (package.json "bin"): the admin API from a terminal. See cli/main.ts.
import { main } from "./main";

main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: { write: (text) => process.stderr.write(text), isTTY: Boolean(process.stderr.isTTY), columns: process.stderr.columns },
  env: process.env,
}).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
