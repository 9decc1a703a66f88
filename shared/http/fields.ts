// Field declarations, in the manner of Vault's framework.FieldSchema: a route declares each field
// it accepts (name, type, rules, description) beside its summary, and that one declaration gives
// the validation (a typed value, or a 400 that names the field), the OpenAPI schema and the CLI's
// help. Every refusal has a code and a message that says what to send instead.
import { invalid } from "../errors";

export type JsonSchema = Record<string, unknown>;

export interface Field<T> {
  /** JSON Schema of the field, with its description (the OpenAPI document and the CLI help). */
  readonly schema: JsonSchema;
  /** Whether the field may be left out. */
  readonly optional: boolean;
  /** The value, checked; `target` names the field in errors (dotted path). */
  parse(value: unknown, target: string): T;
}

export type Parsed<F> = F extends Field<infer T> ? T : never;
export type ParsedFields<F extends Record<string, Field<unknown>>> = { [K in keyof F]: Parsed<F[K]> };

interface Refusal {
  /** Error code when the value breaks the field's rule (default InvalidField). */
  code?: string;
  /** Message when the value breaks the field's rule (default: generated from the rule). */
  message?: string;
}

export interface TextOptions<T extends string> extends Refusal {
  description: string;
  pattern?: RegExp;
  /** A plain-words version of the pattern, for messages and help. */
  patternHelp?: string;
  maxLength?: number;
  enum?: readonly T[];
  /** Refuse control characters. */
  printable?: boolean;
  /** Extra check on the string (e.g. a resource id parser); throws its own 400. */
  check?: (value: string, target: string) => void;
  /** Value stored (e.g. lower-cased ids). */
  normalize?: (value: string) => string;
  example?: string;
}

export function text<T extends string = string>(options: TextOptions<T>): Field<T> {
  const schema: JsonSchema = {
    type: "string", minLength: 1, description: options.description,
    ...(options.pattern ? { pattern: options.pattern.source } : {}),
    ...(options.maxLength ? { maxLength: options.maxLength } : {}),
    ...(options.enum ? { enum: [...options.enum] } : {}),
    ...(options.example ? { examples: [options.example] } : {}),
  };
  return {
    schema, optional: false,
    parse(value, target) {
      const rule = options.enum ? `one of ${options.enum.join(", ")}` : options.patternHelp ?? "a non-empty string";
      const fail = () => invalid(options.code ?? "InvalidField", options.message ?? `'${target}' must be ${rule}.`, target);
      // Absent or not text is always InvalidField; a rule broken has the field's own code.
      if (typeof value !== "string" || value.trim() === "") throw invalid("InvalidField", `'${target}' is required and must be a non-empty string.`, target);
      if (options.maxLength !== undefined && value.length > options.maxLength) throw fail();
      if (options.printable && /[\u0000-\u001f]/.test(value)) throw fail();
      if (options.pattern && !options.pattern.test(value)) throw fail();
      if (options.enum && !(options.enum as readonly string[]).includes(value)) throw fail();
      options.check?.(value, target);
      return (options.normalize ? options.normalize(value) : value) as T;
    },
  };
}

export function flag(options: { description: string }): Field<boolean> {
  return {
    schema: { type: "boolean", description: options.description }, optional: false,
    parse(value, target) {
      if (typeof value !== "boolean") throw invalid("InvalidField", `'${target}' must be true or false.`, target);
      return value;
    },
  };
}

export function integer(options: { description: string; min: number; max: number; code?: string }): Field<number> {
  return {
    schema: { type: "integer", minimum: options.min, maximum: options.max, description: options.description }, optional: false,
    parse(value, target) {
      // Query strings arrive as text: digits only (Number() also reads "0x10", "1e2" and " 5 ").
      const n = typeof value === "string" ? (/^[0-9]{1,9}$/.test(value) ? Number(value) : NaN) : value;
      if (typeof n !== "number" || !Number.isInteger(n) || n < options.min || n > options.max) {
        throw invalid(options.code ?? "InvalidField", `'${target}' must be a whole number from ${options.min} to ${options.max}.`, target);
      }
      return n;
    },
  };
}

export function list<T>(item: Field<T>, options: { description: string; min?: number; max: number; unique?: { code: string; message: string } }): Field<T[]> {
  const min = options.min ?? 1;
  return {
    schema: { type: "array", items: item.schema, minItems: min, maxItems: options.max, description: options.description }, optional: false,
    parse(value, target) {
      if (!Array.isArray(value) || value.length < min || value.length > options.max) {
        throw invalid("InvalidField", `'${target}' must be a list of ${min} to ${options.max} items.`, target);
      }
      const out = value.map((v, i) => item.parse(v, `${target}[${i}]`));
      if (options.unique && new Set(out).size !== out.length) throw invalid(options.unique.code, options.unique.message, target);
      return out;
    },
  };
}

export interface ObjectOptions extends Refusal {
  description: string;
  /** Fields not declared: refused with UnknownField (the default), or ignored (ARM bodies carry more). */
  unknownFields?: "refuse" | "ignore";
}

export function object<F extends Record<string, Field<unknown>>>(fields: F, options: ObjectOptions): Field<ParsedFields<F>> {
  const required = Object.entries(fields).filter(([, f]) => !f.optional).map(([name]) => name);
  return {
    schema: {
      type: "object", description: options.description,
      properties: Object.fromEntries(Object.entries(fields).map(([name, f]) => [name, f.schema])),
      ...(required.length ? { required } : {}),
      ...(options.unknownFields === "ignore" ? {} : { additionalProperties: false }),
    },
    optional: false,
    parse(value, target) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw invalid(options.code ?? "InvalidField", options.message ?? `'${target}' is required and must be an object.`, target);
      }
      const body = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [name, f] of Object.entries(fields)) {
        const path = target ? `${target}.${name}` : name;
        const v = body[name];
        if (f.optional && (v === undefined || v === null)) {
          const fallback = f.parse(undefined, path);
          if (fallback !== undefined) out[name] = fallback;
          continue;
        }
        out[name] = f.parse(v, path);
      }
      if (options.unknownFields !== "ignore") {
        const unknown = Object.keys(body).filter((k) => !(k in fields));
        if (unknown.length) throw invalid("UnknownField", `Unknown field(s): ${unknown.join(", ")}.`, unknown[0]);
      }
      return out as ParsedFields<F>;
    },
  };
}

/** The field may be left out (or null); `fallback` is its value then. */
export function optional<T>(field: Field<T>, fallback: T): Field<T>;
export function optional<T>(field: Field<T>): Field<T | undefined>;
export function optional<T>(field: Field<T>, fallback?: T): Field<T | undefined> {
  return {
    schema: { ...field.schema, ...(fallback !== undefined ? { default: fallback } : {}) }, optional: true,
    parse(value, target) {
      if (value === undefined || value === null) return fallback;
      return field.parse(value, target);
    },
  };
}

/** A fixed value (e.g. ARM's "kind": "Encryption"), optional unless required. */
export function literal<T extends string>(value: T, options: { description: string; code: string; message: string }): Field<T> {
  return {
    schema: { const: value, description: options.description }, optional: false,
    parse(v, target) {
      if (v !== value) throw invalid(options.code, options.message, target);
      return value;
    },
  };
}

/** The body's fields as lines of help: "name (type, required): description". */
export function describeFields(schema: JsonSchema, prefix = ""): string[] {
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const lines: string[] = [];
  for (const [name, s] of Object.entries(props)) {
    const path = `${prefix}${name}`;
    const type = s.enum ? (s.enum as string[]).join("|") : s.const !== undefined ? JSON.stringify(s.const) : String(s.type ?? "value");
    lines.push(`${path} (${type}${required.has(name) ? ", required" : ""}): ${String(s.description ?? "")}`);
    if (s.type === "object") lines.push(...describeFields(s, `${path}.`));
  }
  return lines;
}
