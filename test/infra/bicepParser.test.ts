// The parser behind the template checks catches what it claims to: unbalanced brackets, unused
// declarations, keys versus references, imports, module params. Fixtures are inline Bicep.
import { describe, expect, it } from "vitest";
import { BicepFile } from "./support/bicepFile";
import { BicepSyntaxError, tokenize } from "./support/bicepTokens";

const parse = (text: string) => new BicepFile("/fixture/main.bicep", text);

describe("Bicep tokens", () => {
  it("refuses a '}' that closes a '(' and names both lines", () => {
    expect(() => parse("var a = union(\n  {}\n}\n")).toThrow(/line 3: '}' closes the '\(' opened on line 1/);
  });

  it("refuses a bracket never closed, a string never closed and an interpolation never closed", () => {
    expect(() => parse("var a = {\n  b: 1\n")).toThrow(/line 1: '\{' is never closed/);
    expect(() => tokenize("var a = 'abc\n")).toThrow(BicepSyntaxError);
    expect(() => tokenize("var a = 'x${b'\n")).toThrow(/never closed/);
  });

  it("does not count braces inside strings, interpolations' text or comments, and tokenizes interpolated expressions", () => {
    const tokens = tokenize("var a = 'https://{vault}${suffix}/x' // } {\n/* { */ var b = '''{'''\n");
    expect(tokens.filter((t) => t.kind === "punct").map((t) => t.value)).toEqual(["=", "="]);
    expect(tokens.find((t) => t.kind === "string")).toMatchObject({ value: "https://{vault}${}/x", interpolated: true });
    expect(tokens.map((t) => t.value)).toContain("suffix");
    expect(tokens.at(-1)).toMatchObject({ kind: "string", value: "{", line: 2 });
  });

  it("reads escapes", () => {
    expect(tokenize("var a = 'keyward\\'s \\${x}'").find((t) => t.kind === "string")?.value).toBe("keyward's ${x}");
  });
});

describe("Bicep declarations", () => {
  it("tells a param used as a value from an object key of the same name", () => {
    const bicep = parse("param name string\nparam tags object\nresource r 'T@1' = {\n  name: name\n  tags: {}\n}\n");
    const refs = bicep.references();
    expect(refs.get("name")).toBe(1);
    expect(refs.get("tags")).toBeUndefined();
  });

  it("does not take a member after '.' or '.?' for a reference, but takes a ternary's branches", () => {
    const refs = parse("param a object\nparam b string\nparam c bool\nvar x = c ? a.b : b\nvar y = a.?c\n").references();
    expect([refs.get("a"), refs.get("b"), refs.get("c")]).toEqual([2, 1, 1]);
  });

  it("reads params with and without defaults, exports, and imports", () => {
    const bicep = parse("import { f, v } from 'lib.bicep'\n@description('x')\nparam p string = 'd'\nparam q int\n@export()\nvar v = [\n  'a'\n  'b'\n]\nvar w = v\n");
    expect(bicep.ofKind("param").map((d) => [d.name, d.hasDefault])).toEqual([["p", true], ["q", false]]);
    expect(bicep.ofKind("var").map((d) => [d.name, d.exported])).toEqual([["v", true], ["w", false]]);
    expect(bicep.ofKind("import")[0]).toMatchObject({ target: "lib.bicep", importedNames: ["f", "v"] });
    expect(bicep.varStringList("v")).toEqual(["a", "b"]);
    // The names inside the import braces are not uses.
    expect(bicep.references().get("f")).toBeUndefined();
  });

  it("reads a conditional module's params and an object var's keys", () => {
    const bicep = parse("param on bool\nmodule m 'm.bicep' = if (on) {\n  name: 'm'\n  params: {\n    a: { nested: 1 }\n    b: on ? 'x' : 'y'\n  }\n}\nvar s = {\n  K_ONE: 'a'\n  K_TWO: union({ inner: 1 }, {})\n}\n");
    expect(bicep.moduleParams(bicep.ofKind("module")[0])).toEqual(["a", "b"]);
    expect(bicep.varObjectKeys("s")).toEqual(["K_ONE", "K_TWO"]);
  });

  it("finds resources nested in others and existing ones", () => {
    const bicep = parse("resource p 'A/b@1' existing = {\n  name: 'x'\n  resource c 'd' = {\n    name: 'y'\n  }\n}\n");
    expect(bicep.ofKind("resource").map((d) => [d.name, d.target, d.existing])).toEqual([["p", "A/b@1", true], ["c", "d", false]]);
  });
});
