// Parser-level checks of every .bicep file under infra/ (the Bicep compiler cannot run here):
// brackets balance, every param and var is used, every module and import names a file that
// exists and only what it declares, every module passes exactly its target's params, and every
// resource type, API version and role id is one verified in Microsoft's documentation.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BicepFile, bicepFilesUnder } from "./support/bicepFile";
import { VERIFIED_LIST_CALLS, VERIFIED_RESOURCE_TYPES, VERIFIED_ROLES } from "./support/verifiedArm";

const ROOT = path.resolve(__dirname, "../..");
const INFRA = path.join(ROOT, "infra");
const FILES = bicepFilesUnder(INFRA);
const rel = (file: string) => path.relative(ROOT, file);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe("infra/**/*.bicep", () => {
  it("are the templates azd and the customer deploy", () => {
    expect(FILES.map(rel)).toEqual(expect.arrayContaining(["infra/main.bicep", "infra/customer/main.bicep"]));
  });

  describe.each(FILES.map((f) => [rel(f), f]))("%s", (_name, file) => {
    let parsed: BicepFile | undefined;
    const bicep = () => (parsed ??= BicepFile.read(file));

    it("closes every bracket, string and comment it opens", () => {
      expect(bicep).not.toThrow();
    });

    it("uses every param and var it declares (exported ones are used by their importers)", () => {
      const refs = bicep().references();
      const unused = bicep().declarations
        .filter((d) => (d.keyword === "param" || d.keyword === "var") && !d.exported && !refs.get(d.name))
        .map((d) => `${d.keyword} ${d.name} (line ${d.line})`);
      expect(unused).toEqual([]);
    });

    it("imports only names its import targets export, and uses each", () => {
      const refs = bicep().references();
      for (const decl of bicep().ofKind("import")) {
        const target = bicep().resolve(decl);
        expect(fs.existsSync(target), `${rel(file)}:${decl.line} imports ${decl.target}, which does not exist`).toBe(true);
        const exported = BicepFile.read(target).declarations.filter((d) => d.exported).map((d) => d.name);
        for (const name of decl.importedNames ?? []) {
          expect(exported, `${decl.target} exports no ${name}`).toContain(name);
          expect(refs.get(name) ?? 0, `${rel(file)} imports ${name} but never uses it`).toBeGreaterThan(0);
        }
      }
    });

    it("declares modules that exist locally and passes exactly their params", () => {
      for (const decl of bicep().ofKind("module")) {
        const where = `${rel(file)}:${decl.line} module ${decl.name}`;
        expect(decl.target, `${where}: only local module files are used`).toMatch(/\.bicep$/);
        const target = bicep().resolve(decl);
        expect(fs.existsSync(target), `${where}: ${decl.target} does not exist`).toBe(true);
        const params = BicepFile.read(target).ofKind("param");
        const passed = bicep().moduleParams(decl);
        expect(passed.filter((p) => !params.some((d) => d.name === p)), `${where} passes params ${decl.target} does not declare`).toEqual([]);
        const required = params.filter((d) => !d.hasDefault).map((d) => d.name);
        expect(required.filter((p) => !passed.includes(p)), `${where} leaves out required params`).toEqual([]);
      }
    });

    it("uses only verified resource types and API versions", () => {
      for (const decl of bicep().ofKind("resource")) {
        expect(Object.keys(VERIFIED_RESOURCE_TYPES), `${rel(file)}:${decl.line} resource ${decl.name}`).toContain(decl.target);
      }
      bicep().tokens.forEach((t, i) => {
        if (t.kind === "ident" && /^list[A-Z]/.test(t.value) && bicep().tokens[i + 1]?.value === "(") {
          const call = bicep().tokens.slice(i).find((p) => p.kind === "string" && /^\d{4}-\d{2}-\d{2}/.test(p.value));
          expect(Object.keys(VERIFIED_LIST_CALLS), `${rel(file)}:${t.line} ${t.value}(..., apiVersion)`).toContain(call?.value);
        }
      });
    });

    it("assigns only verified built-in roles", () => {
      const ids = bicep().tokens.filter((t) => t.kind === "string" && GUID.test(t.value)).map((t) => t.value.toLowerCase());
      expect(ids.filter((id) => !VERIFIED_ROLES[id])).toEqual([]);
    });
  });
});
