// The project's own import graph (relative imports, type-only ones included), read from source:
// what the structure test checks for circles and for imports that cross a layer the wrong way.
import fs from "node:fs";
import path from "node:path";

const SKIP = new Set(["node_modules", "dist", "test", ".git", ".keyward", "coverage"]);
const IMPORT = /(?:import|export)\s[^"'`;]*?from\s*["'](\.[^"']+)["']|import\s*\(\s*["'](\.[^"']+)["']\s*\)|import\s+["'](\.[^"']+)["']|require\(\s*["'](\.[^"']+)["']\s*\)/g;

export interface ImportGraph {
  root: string;
  /** file (relative to root) -> the project files it imports (relative to root) */
  edges: Map<string, Set<string>>;
  /** file -> relative specifiers that resolve outside the project */
  outside: Map<string, string[]>;
}

export function readImportGraph(root: string): ImportGraph {
  const files: string[] = [];
  (function walk(dir: string) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(e.name)) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|tsx|mts)$/.test(e.name) && !e.name.endsWith(".d.ts")) files.push(p);
    }
  })(root);
  const known = new Set(files);
  const resolve = (from: string, spec: string): string | undefined => {
    const base = path.resolve(path.dirname(from), spec.replace(/\.js$/, ""));
    return [`${base}.ts`, `${base}.tsx`, `${base}.mts`, path.join(base, "index.ts"), path.join(base, "index.tsx")].find((c) => known.has(c));
  };
  const edges = new Map<string, Set<string>>();
  const outside = new Map<string, string[]>();
  for (const file of files) {
    const rel = path.relative(root, file);
    const deps = new Set<string>();
    for (const m of fs.readFileSync(file, "utf8").matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
      if (path.relative(root, path.resolve(path.dirname(file), spec)).startsWith("..")) {
        outside.set(rel, [...(outside.get(rel) ?? []), spec]);
        continue;
      }
      const to = resolve(file, spec);
      if (to && to !== file) deps.add(path.relative(root, to));
    }
    edges.set(rel, deps);
  }
  return { root, edges, outside };
}

/** Every strongly connected component of more than one file (Tarjan): each is an import circle. */
export function importCircles(graph: ImportGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) circles.push(component.sort());
    }
  };
  for (const file of graph.edges.keys()) if (!index.has(file)) visit(file);
  return circles;
}

/** One import or re-export statement of a file, package imports included. */
export interface ImportStatement {
  spec: string;
  /** `import type`, `export type`, or braces whose every name is `type X`: erased from the output. */
  typeOnly: boolean;
  /** For a relative specifier: the path it names, relative to the root, without its extension. */
  target?: string;
}

const STATEMENT = /\b(import|export)\s+(type\s+)?([^"'`;]*?)\s*from\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|\bimport\s+["']([^"']+)["']|\brequire\(\s*["']([^"']+)["']\s*\)/g;

/** The import statements of a source text (`file` relative to `root`, for resolving relative ones). */
export function importStatements(root: string, file: string, source: string): ImportStatement[] {
  const out: ImportStatement[] = [];
  for (const m of source.matchAll(STATEMENT)) {
    const spec = m[4] ?? m[5] ?? m[6] ?? m[7];
    let typeOnly = false;
    if (m[4] !== undefined) {
      const names = /^\{([^}]*)\}$/.exec(m[3].trim())?.[1].split(",").map((n) => n.trim()).filter(Boolean);
      typeOnly = m[2] !== undefined || (names !== undefined && names.length > 0 && names.every((n) => n.startsWith("type ")));
    }
    const target = spec.startsWith(".")
      ? path.relative(root, path.resolve(root, path.dirname(file), spec)).replace(/\.(js|ts|mts)$/, "").split(path.sep).join("/")
      : undefined;
    out.push({ spec, typeOnly, ...(target !== undefined ? { target } : {}) });
  }
  return out;
}

/** The import statements of every source file under `folder` (relative to root), by file. */
export function readImportStatements(root: string, folder: string): Map<string, ImportStatement[]> {
  const result = new Map<string, ImportStatement[]>();
  (function walk(dir: string) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|tsx|mts)$/.test(e.name) && !e.name.endsWith(".d.ts")) {
        const rel = path.relative(root, p).split(path.sep).join("/");
        result.set(rel, importStatements(root, rel, fs.readFileSync(p, "utf8")));
      }
    }
  })(path.join(root, folder));
  return result;
}
