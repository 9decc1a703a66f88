// The layering rules of the code, checked on the source: no import circles; shared/ (the domain,
// storage, keys) never reaches into the trigger folders or the local runtime; nothing imports from
// outside the project (a folder beside the repository is never a dependency); shared/domain/ is
// pure.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { importCircles, importStatements, readImportGraph, readImportStatements, type ImportStatement } from "./importGraph";

const root = path.resolve(__dirname, "../..");
const graph = readImportGraph(root);

describe("the import graph", () => {
  it("reads the project: hundreds of files, with their imports", () => {
    expect(graph.edges.size).toBeGreaterThan(200);
    expect(graph.edges.get("app.ts")?.size).toBeGreaterThan(2);
  });

  it("has no import circle", () => {
    expect(importCircles(graph)).toEqual([]);
  });

  it("finds a circle when there is one (the check can fail)", () => {
    const edges = new Map([["a.ts", new Set(["b.ts"])], ["b.ts", new Set(["c.ts"])], ["c.ts", new Set(["a.ts"])], ["d.ts", new Set(["a.ts"])]]);
    expect(importCircles({ root, edges, outside: new Map() })).toEqual([["a.ts", "b.ts", "c.ts"]]);
  });

  it("keeps shared/ free of the trigger folders, the local runtime and the CLI", () => {
    const upward = [...graph.edges].flatMap(([from, deps]) =>
      from.startsWith("shared/") ? [...deps].filter((to) => /^(functions|activities|orchestrations|local|cli|bench|console)\//.test(to) || to === "app.ts").map((to) => `${from} -> ${to}`) : []);
    expect(upward).toEqual([]);
  });

  it("keeps the orchestrations off I/O: they import contracts and the durable API, never storage, keys or activities' code", () => {
    const io = [...graph.edges].flatMap(([from, deps]) =>
      from.startsWith("orchestrations/") ? [...deps].filter((to) => /^(shared\/(storage|keyvault|keys|data)|functions|local)\//.test(to)).map((to) => `${from} -> ${to}`) : []);
    expect(io).toEqual([]);
  });

  it("imports nothing from outside the project", () => {
    expect(Object.fromEntries(graph.outside)).toEqual({});
  });
});

// shared/domain/ holds the rules (statuses, ids, views): pure code that any layer may use and that
// can be tested without storage. Its values come from the domain itself and shared/errors only;
// types may come from elsewhere in shared/ (they are erased), but never from the HTTP edge, the
// service graph or the trigger folders. Of the packages, only node:crypto (random ids, no I/O).
const DOMAIN_VALUES = /^shared\/(domain\/.+|errors)$/;
const NEVER_FROM_DOMAIN = /^(shared\/(http\/|services$|appServices$)|functions\/|activities\/|orchestrations\/|local\/|cli\/|console\/|app$)/;
const PURE_PACKAGES = new Set(["node:crypto"]);

function domainImpurities(statements: Map<string, ImportStatement[]>): string[] {
  return [...statements].flatMap(([file, imports]) => imports.flatMap((i) => {
    const bad = i.target === undefined
      ? !PURE_PACKAGES.has(i.spec)
      : NEVER_FROM_DOMAIN.test(i.target) || (!i.typeOnly && !DOMAIN_VALUES.test(i.target));
    return bad ? [`${file} -> ${i.spec}${i.typeOnly ? " (type)" : ""}`] : [];
  }));
}

describe("shared/domain", () => {
  const statements = readImportStatements(root, "shared/domain");

  it("is read: its files and their imports", () => {
    expect(statements.size).toBeGreaterThan(5);
    expect(statements.get("shared/domain/ids.ts")).toContainEqual({ spec: "../errors", typeOnly: false, target: "shared/errors" });
  });

  it("is pure: values from the domain and shared/errors only, types from shared/ but not the HTTP edge or the services, no I/O package", () => {
    expect(domainImpurities(statements)).toEqual([]);
  });

  it("finds an impure import when there is one (the check can fail)", () => {
    const file = "shared/domain/example.ts";
    const source = [
      'import { readFileSync } from "node:fs";',
      'import { TableClient } from "@azure/data-tables";',
      'import type { KeyClient } from "@azure/keyvault-keys";',
      'import { services } from "../services";',
      'import type { RouteSpec } from "../http/route";',
      'import { StateStore } from "../state/stateStore";',
      'import { type OperationRecord } from "../state/history";',
      'import type { Environment } from "./environment";',
      'import { invalid } from "../errors";',
      'import { randomUUID } from "node:crypto";',
    ].join("\n");
    expect(domainImpurities(new Map([[file, importStatements(root, file, source)]]))).toEqual([
      `${file} -> node:fs`,
      `${file} -> @azure/data-tables`,
      `${file} -> @azure/keyvault-keys (type)`,
      `${file} -> ../services`,
      `${file} -> ../http/route (type)`,
      `${file} -> ../state/stateStore`,
    ]);
  });
});
