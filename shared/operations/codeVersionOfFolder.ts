// The code version of a deployment: a hash of the orchestration code, that is the files of a
// folder (orchestrations/) and every file of the app they import, transitively (relative
// `import`/`export ... from`/`require(...)` specifiers, as written in the TypeScript sources and
// as tsc compiles them to CommonJS; type-only imports, which tsc erases, aside), names and bytes. A change to an orchestration, or to a value
// or function an orchestration reaches in shared/, changes it; a change to a file no orchestration
// reaches does not. Packages (bare specifiers) are not followed: package-lock.json pins them.
// Read once at start-up by the app's entry point (app.ts), which passes it to setCodeVersion.
import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";

const CODE = /\.(js|ts)$/;
const DECLARATION = /\.d\.ts$/;
const RELATIVE_IMPORT = /(?:import|export)\s[^"'`;]*?from\s*["'](\.[^"']+)["']|import\s*\(\s*["'](\.[^"']+)["']\s*\)|import\s+["'](\.[^"']+)["']|require\(\s*["'](\.[^"']+)["']\s*\)/g;

const TYPE_ONLY = /^(?:import|export)\s+type\s/;

function isCode(file: string): boolean {
  return CODE.test(file) && !DECLARATION.test(file);
}

function filesUnder(folder: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(file));
    else if (isCode(entry.name)) out.push(file);
  }
  return out;
}

/** The file a relative specifier names (`./x`, `./x.js`, `./x/index`), or undefined outside `root` or not found. */
function resolveImport(from: string, specifier: string, root: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  if (path.relative(root, base).startsWith("..")) return undefined;
  const stem = base.replace(/\.js$/, "");
  return [base, `${stem}.js`, `${stem}.ts`, path.join(base, "index.js"), path.join(base, "index.ts")]
    .find((candidate) => isCode(candidate) && fs.existsSync(candidate) && fs.statSync(candidate).isFile());
}

/** The code files of `folder` and every file under `root` they import, transitively: paths relative to `root`, sorted. */
export function codeVersionFiles(folder: string, root: string = folder): string[] {
  const seen = new Set<string>();
  const pending = filesUnder(folder);
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of fs.readFileSync(file, "utf8").matchAll(RELATIVE_IMPORT)) {
      // `import type` and `export type` are erased by tsc: no code of theirs runs.
      if (TYPE_ONLY.test(m[0])) continue;
      const to = resolveImport(file, m[1] ?? m[2] ?? m[3] ?? m[4], root);
      if (to && !seen.has(to)) pending.push(to);
    }
  }
  return [...seen].map((f) => path.relative(root, f).split(path.sep).join("/")).sort();
}

/** The hash of codeVersionFiles(folder, root): 16 hex digits. */
export function codeVersionOfFolder(folder: string, root: string = folder): string {
  const hash = createHash("sha256");
  for (const file of codeVersionFiles(folder, root)) hash.update(file).update("\0").update(fs.readFileSync(path.join(root, file))).update("\0");
  return hash.digest("hex").slice(0, 16);
}
