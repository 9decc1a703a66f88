// The declarations of one .bicep file (param, var, output, module, resource, import, func, type)
// and what refers to them, from its tokens: what the parser-level checks in test/infra need.
import fs from "node:fs";
import path from "node:path";
import { assertBalanced, tokenize, type Token } from "./bicepTokens";

export type Keyword = "param" | "var" | "output" | "module" | "resource" | "import" | "func" | "type";

export interface Declaration {
  keyword: Keyword;
  /** The declared name (for import: the module path's file; see importedNames). */
  name: string;
  line: number;
  /** Index of the keyword token. */
  at: number;
  /** Preceded by @export(). */
  exported: boolean;
  /** param: declared with a default value. */
  hasDefault?: boolean;
  /** module, import: the referenced file; resource: 'Type@apiVersion'. */
  target?: string;
  /** resource: declared with `existing`. */
  existing?: boolean;
  /** import: the names brought in. */
  importedNames?: string[];
}

const TOP_LEVEL: ReadonlySet<string> = new Set(["param", "var", "output", "module", "resource", "import", "func", "type"]);

export class BicepFile {
  readonly tokens: Token[];
  /** depth[i]: brackets open before token i. */
  private readonly depth: number[] = [];
  readonly declarations: Declaration[] = [];

  constructor(readonly file: string, text: string) {
    this.tokens = tokenize(text);
    assertBalanced(this.tokens);
    let d = 0;
    for (const t of this.tokens) {
      if (t.kind === "punct" && (t.value === ")" || t.value === "]" || t.value === "}")) d--;
      this.depth.push(d);
      if (t.kind === "punct" && (t.value === "(" || t.value === "[" || t.value === "{")) d++;
    }
    this.collectDeclarations();
  }

  static read(file: string): BicepFile {
    return new BicepFile(file, fs.readFileSync(file, "utf8"));
  }

  private firstOnLine(i: number): boolean {
    return i === 0 || this.tokens[i - 1].line < this.tokens[i].line;
  }

  private collectDeclarations(): void {
    let lastDeclaration = -1;
    this.tokens.forEach((t, i) => {
      const nested = t.value === "resource" && this.tokens[i + 1]?.kind === "ident" && this.tokens[i + 2]?.kind === "string";
      const topLevel = this.depth[i] === 0 && this.firstOnLine(i) && TOP_LEVEL.has(t.value);
      if (t.kind !== "ident" || !(topLevel || nested)) return;
      const exported = this.tokens.slice(lastDeclaration + 1, i).some((p, k, all) => p.value === "@" && all[k + 1]?.value === "export");
      lastDeclaration = i;
      const decl: Declaration = { keyword: t.value as Keyword, name: this.tokens[i + 1]?.value ?? "", line: t.line, at: i, exported };
      if (decl.keyword === "param") {
        decl.hasDefault = this.tokens.some((p, j) => j > i && p.line === t.line && this.depth[j] === 0 && p.value === "=");
      } else if (decl.keyword === "module" || decl.keyword === "resource") {
        decl.target = this.tokens[i + 2]?.value;
        decl.existing = decl.keyword === "resource" && this.tokens[i + 3]?.value === "existing";
      } else if (decl.keyword === "import") {
        const close = this.tokens.findIndex((p, j) => j > i && p.value === "}");
        const names: string[] = [];
        for (let j = i + 2; j < close; j++) {
          const p = this.tokens[j];
          // `name as alias` brings in alias; commas separate.
          if (p.kind === "ident" && p.value !== "as" && this.tokens[j + 1]?.value !== "as") names.push(p.value);
        }
        decl.importedNames = names;
        decl.target = this.tokens[close + 2]?.value;
        decl.name = decl.target ?? "";
      }
      this.declarations.push(decl);
    });
  }

  ofKind(keyword: Keyword): Declaration[] {
    return this.declarations.filter((d) => d.keyword === keyword);
  }

  /** `name` in `name: value` of an object, not a value. */
  private isObjectKey(i: number): boolean {
    const t = this.tokens[i];
    if (this.tokens[i + 1]?.value !== ":") return false;
    const prev = this.tokens[i - 1];
    return !prev || prev.value === "{" || prev.value === "," || prev.line < t.line;
  }

  /** `name` after `.` or `.?`: a member, not a symbol. */
  private isMember(i: number): boolean {
    const prev = this.tokens[i - 1]?.value;
    return prev === "." || (prev === "?" && this.tokens[i - 2]?.value === ".");
  }

  /** How many times each symbol is referred to (declarations, imported names, keys, members and decorators aside). */
  references(): Map<string, number> {
    const declared = new Set(this.declarations.map((d) => d.at + 1));
    for (const d of this.ofKind("import")) {
      for (let j = d.at; j < this.tokens.length && this.tokens[j].value !== "}"; j++) declared.add(j);
    }
    const counts = new Map<string, number>();
    this.tokens.forEach((t, i) => {
      if (t.kind !== "ident" || declared.has(i) || this.isObjectKey(i) || this.isMember(i) || this.tokens[i - 1]?.value === "@") return;
      counts.set(t.value, (counts.get(t.value) ?? 0) + 1);
    });
    return counts;
  }

  /** The index of the '}' or ']' that closes the bracket at `open`. */
  private closing(open: number): number {
    for (let j = open + 1; j < this.tokens.length; j++) if (this.depth[j] === this.depth[open] && this.tokens[j].kind === "punct" && "}])".includes(this.tokens[j].value)) return j;
    throw new Error(`${this.file}: bracket on line ${this.tokens[open].line} never closes`);
  }

  /** The keys of the object literal whose '{' is at `open`, with the index where each value starts. */
  objectKeys(open: number): Array<{ name: string; value: number }> {
    const keys: Array<{ name: string; value: number }> = [];
    const end = this.closing(open);
    for (let j = open + 1; j < end; j++) {
      const t = this.tokens[j];
      if (this.depth[j] === this.depth[open] + 1 && (t.kind === "ident" || t.kind === "string") && this.isObjectKey(j)) keys.push({ name: t.value, value: j + 2 });
    }
    return keys;
  }

  /** The body '{' of a declaration: the first '{' at depth 0 after its '='. */
  private body(decl: Declaration): number {
    const equals = this.tokens.findIndex((t, j) => j > decl.at && t.value === "=" && this.depth[j] === this.depth[decl.at]);
    const open = this.tokens.findIndex((t, j) => j > equals && t.value === "{" && this.depth[j] === this.depth[decl.at]);
    if (equals < 0 || open < 0) throw new Error(`${this.file}:${decl.line}: ${decl.keyword} ${decl.name} has no { body }`);
    return open;
  }

  /** The names a module declaration passes in `params: { ... }`. */
  moduleParams(decl: Declaration): string[] {
    const params = this.objectKeys(this.body(decl)).find((k) => k.name === "params");
    return params ? this.objectKeys(params.value).map((k) => k.name) : [];
  }

  /** The keys of `var <name> = { ... }`. */
  varObjectKeys(name: string): string[] {
    const decl = this.ofKind("var").find((d) => d.name === name);
    if (!decl) throw new Error(`${this.file} declares no var ${name}`);
    return this.objectKeys(this.body(decl)).map((k) => k.name);
  }

  /** The tokens of the value of `key` in `var <name> = { ... }` (up to the next key). */
  varObjectValue(name: string, key: string): Token[] {
    const decl = this.ofKind("var").find((d) => d.name === name);
    if (!decl) throw new Error(`${this.file} declares no var ${name}`);
    const open = this.body(decl);
    const keys = this.objectKeys(open);
    const at = keys.findIndex((k) => k.name === key);
    if (at < 0) throw new Error(`${this.file}: var ${name} has no key ${key}`);
    return this.tokens.slice(keys[at].value, at + 1 < keys.length ? keys[at + 1].value - 2 : this.closing(open));
  }

  /** The string items of `var <name> = [ ... ]`. */
  varStringList(name: string): string[] {
    const decl = this.ofKind("var").find((d) => d.name === name);
    if (!decl) throw new Error(`${this.file} declares no var ${name}`);
    const open = this.tokens.findIndex((t, j) => j > decl.at && t.value === "[");
    return this.tokens.slice(open + 1, this.closing(open)).filter((t) => t.kind === "string").map((t) => t.value);
  }

  /** The file a module or import declaration refers to. */
  resolve(decl: Declaration): string {
    return path.resolve(path.dirname(this.file), decl.target ?? "");
  }
}

/** Every .bicep file under `dir`. */
export function bicepFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".bicep"))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}
