// A tokenizer for Bicep, enough for parser-level checks while the Bicep compiler cannot run here:
// identifiers, numbers, punctuation and strings, with line numbers; comments dropped; the
// expressions inside '${...}' interpolations tokenized as code (so their identifiers count as
// uses); ''' multi-line strings taken verbatim. Syntax reference:
// https://learn.microsoft.com/azure/azure-resource-manager/bicep/file

export type TokenKind = "ident" | "number" | "string" | "punct";

export interface Token {
  kind: TokenKind;
  /** For strings: the literal text, with each interpolation written as ${}. */
  value: string;
  line: number;
  /** Strings only: the string had at least one ${...} interpolation. */
  interpolated?: boolean;
}

export class BicepSyntaxError extends Error {
  override readonly name = "BicepSyntaxError";
}

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\", "'": "'", $: "$" };

class Tokenizer {
  private pos = 0;
  private line = 1;
  readonly tokens: Token[] = [];

  constructor(private readonly text: string) {}

  /** Tokenizes until the end, or (inside an interpolation) until the '}' that closes it. */
  run(closesInterpolation = false): void {
    let depth = 0;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      const next = this.text[this.pos + 1];
      if (c === "\n") { this.line++; this.pos++; continue; }
      if (/\s/.test(c)) { this.pos++; continue; }
      if (c === "/" && next === "/") { this.skipTo("\n", false); continue; }
      if (c === "/" && next === "*") { this.skipBlockComment(); continue; }
      if (this.text.startsWith("'''", this.pos)) { this.readMultilineString(); continue; }
      if (c === "'") { this.readString(); continue; }
      if (/[A-Za-z_]/.test(c)) { this.readWhile("ident", /[A-Za-z0-9_]/); continue; }
      if (/[0-9]/.test(c)) { this.readWhile("number", /[0-9]/); continue; }
      if (closesInterpolation && c === "}" && depth === 0) { this.pos++; return; }
      if (c === "{") depth++;
      if (c === "}") depth--;
      this.tokens.push({ kind: "punct", value: c, line: this.line });
      this.pos++;
    }
    if (closesInterpolation) throw new BicepSyntaxError(`line ${this.line}: an interpolation \${...} is never closed`);
  }

  private skipTo(end: string, consume: boolean): void {
    const at = this.text.indexOf(end, this.pos);
    this.pos = at === -1 ? this.text.length : at + (consume ? end.length : 0);
  }

  private skipBlockComment(): void {
    const start = this.line;
    const at = this.text.indexOf("*/", this.pos + 2);
    if (at === -1) throw new BicepSyntaxError(`line ${start}: a /* comment is never closed`);
    this.line += this.text.slice(this.pos, at).split("\n").length - 1;
    this.pos = at + 2;
  }

  private readWhile(kind: TokenKind, pattern: RegExp): void {
    const start = this.pos;
    while (this.pos < this.text.length && pattern.test(this.text[this.pos])) this.pos++;
    this.tokens.push({ kind, value: this.text.slice(start, this.pos), line: this.line });
  }

  private readMultilineString(): void {
    const start = this.line;
    const at = this.text.indexOf("'''", this.pos + 3);
    if (at === -1) throw new BicepSyntaxError(`line ${start}: a ''' string is never closed`);
    const value = this.text.slice(this.pos + 3, at);
    this.line += value.split("\n").length - 1;
    this.pos = at + 3;
    this.tokens.push({ kind: "string", value, line: start });
  }

  private readString(): void {
    const start = this.line;
    const token: Token = { kind: "string", value: "", line: start };
    this.tokens.push(token);
    this.pos++;
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined || c === "\n") throw new BicepSyntaxError(`line ${start}: a string is never closed`);
      if (c === "'") { this.pos++; return; }
      if (c === "\\") {
        const escaped = ESCAPES[this.text[this.pos + 1]];
        if (escaped === undefined) throw new BicepSyntaxError(`line ${this.line}: unknown escape \\${this.text[this.pos + 1]}`);
        token.value += escaped;
        this.pos += 2;
        continue;
      }
      if (c === "$" && this.text[this.pos + 1] === "{") {
        token.value += "${}";
        token.interpolated = true;
        this.pos += 2;
        this.run(true);
        continue;
      }
      token.value += c;
      this.pos++;
    }
  }
}

export function tokenize(text: string): Token[] {
  const tokenizer = new Tokenizer(text);
  tokenizer.run();
  return tokenizer.tokens;
}

const PAIRS: Record<string, string> = { ")": "(", "]": "[", "}": "{" };

/** Every bracket closed by its own kind, in order; throws naming the first one that is not. */
export function assertBalanced(tokens: Token[]): void {
  const open: Token[] = [];
  for (const t of tokens) {
    if (t.kind !== "punct") continue;
    if (t.value === "(" || t.value === "[" || t.value === "{") open.push(t);
    else if (PAIRS[t.value]) {
      const last = open.pop();
      if (!last) throw new BicepSyntaxError(`line ${t.line}: '${t.value}' closes nothing`);
      if (last.value !== PAIRS[t.value]) throw new BicepSyntaxError(`line ${t.line}: '${t.value}' closes the '${last.value}' opened on line ${last.line}`);
    }
  }
  const unclosed = open.pop();
  if (unclosed) throw new BicepSyntaxError(`line ${unclosed.line}: '${unclosed.value}' is never closed`);
}
