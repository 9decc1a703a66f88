// Azure Functions (ASP.NET Core) route templates: "keys/{name}/versions/{version?}",
// "files/{*path}", "items/{id:guid}", "img/{name}.{ext}". Literal text matches case-insensitively,
// parameter values are URL-decoded, constraints are accepted but not enforced.

type Segment =
  | { kind: "literal"; text: string }
  | { kind: "parameter"; name: string; optional: boolean; defaultValue?: string }
  | { kind: "pattern"; regex: RegExp; names: string[] }
  | { kind: "catchAll"; name: string };

export interface RouteTemplate {
  template: string;
  segments: Segment[];
}

export type RouteParams = Record<string, string>;

interface ParameterToken {
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue?: string;
}

/** Splits one template segment into literal text and {parameter} tokens. */
function tokenize(segment: string, template: string): Array<string | ParameterToken> {
  const tokens: Array<string | ParameterToken> = [];
  let literal = "";
  for (let i = 0; i < segment.length; i++) {
    if (segment[i] !== "{") {
      literal += segment[i];
      continue;
    }
    // Find the closing brace, skipping constraint arguments like regex(a{2}) in parentheses.
    let depth = 0;
    let end = i + 1;
    for (; end < segment.length; end++) {
      const c = segment[end];
      if (c === "(") depth++;
      else if (c === ")") depth--;
      else if (c === "}" && depth <= 0) break;
    }
    if (end >= segment.length) throw new Error(`route template '${template}' has an unclosed '{'`);
    if (literal) tokens.push(literal);
    literal = "";
    tokens.push(parseParameter(segment.slice(i + 1, end), template));
    i = end;
  }
  if (literal) tokens.push(literal);
  return tokens;
}

function parseParameter(body: string, template: string): ParameterToken {
  let text = body;
  const catchAll = text.startsWith("*");
  text = text.replace(/^\*{1,2}/, "");
  let optional = false;
  if (text.endsWith("?")) {
    optional = true;
    text = text.slice(0, -1);
  }
  let defaultValue: string | undefined;
  const eq = text.indexOf("=");
  if (eq >= 0) {
    defaultValue = text.slice(eq + 1);
    text = text.slice(0, eq);
  }
  const name = text.split(":")[0];
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`route template '${template}' has an invalid parameter '{${body}}'`);
  return { name, optional: optional || defaultValue !== undefined, catchAll, defaultValue };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function compileRoute(template: string): RouteTemplate {
  const parts = pathSegments(template);
  const segments: Segment[] = parts.map((part, index): Segment => {
    const tokens = tokenize(part, template);
    if (tokens.length === 1 && typeof tokens[0] !== "string") {
      const p = tokens[0];
      if (p.catchAll) {
        if (index !== parts.length - 1) throw new Error(`route template '${template}': a catch-all parameter must be last`);
        return { kind: "catchAll", name: p.name };
      }
      return { kind: "parameter", name: p.name, optional: p.optional, defaultValue: p.defaultValue };
    }
    if (tokens.every((t) => typeof t === "string")) return { kind: "literal", text: part };
    // Greedy groups split at the rightmost separators, like ASP.NET's right-to-left matching of
    // complex segments: "{name}.{ext}" on "a.b.png" gives name "a.b", ext "png".
    const names: string[] = [];
    const source = tokens.map((t) => (typeof t === "string" ? escapeRegex(t) : (names.push(t.name), "(.+)"))).join("");
    return { kind: "pattern", regex: new RegExp(`^${source}$`, "i"), names };
  });
  return { template, segments };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // malformed escapes: hand over what was sent
  }
}

/** Splits a request path (below the route prefix) into raw segments, ignoring a trailing slash. */
export function pathSegments(path: string): string[] {
  const trimmed = path.replace(/^\/+/, "").replace(/\/+$/, "");
  return trimmed === "" ? [] : trimmed.split("/");
}

/** The route's parameters if the path matches it, else undefined. */
export function matchRoute(route: RouteTemplate, rawSegments: readonly string[]): RouteParams | undefined {
  const params: RouteParams = {};
  const { segments } = route;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (seg.kind === "catchAll") {
      const rest = rawSegments.slice(i).map(decode).join("/");
      if (rest !== "") params[seg.name] = rest;
      return params;
    }
    if (i >= rawSegments.length) {
      // Path exhausted: only trailing optional parameters may remain.
      if (seg.kind !== "parameter" || !seg.optional) return undefined;
      if (seg.defaultValue !== undefined) params[seg.name] = seg.defaultValue;
      continue;
    }
    const raw = rawSegments[i];
    if (seg.kind === "literal") {
      if (decode(raw).toLowerCase() !== seg.text.toLowerCase()) return undefined;
    } else if (seg.kind === "parameter") {
      if (raw === "") return undefined;
      params[seg.name] = decode(raw);
    } else {
      const m = seg.regex.exec(decode(raw));
      if (!m) return undefined;
      seg.names.forEach((name, k) => (params[name] = m[k + 1]));
    }
  }
  return rawSegments.length <= segments.length ? params : undefined;
}

const RANK = { literal: 0, pattern: 1, parameter: 2, catchAll: 4 } as const;

/** Sort key: literal segments beat parameters, required beat optional, catch-all comes last. */
export function specificity(route: RouteTemplate): number[] {
  return route.segments.map((s) => (s.kind === "parameter" && s.optional ? 3 : RANK[s.kind]));
}

export function compareSpecificity(a: RouteTemplate, b: RouteTemplate): number {
  const x = specificity(a);
  const y = specificity(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}
