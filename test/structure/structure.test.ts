// The layering rules of the code, checked on the source: no import circles; shared/ (the domain,
// storage, keys) never reaches into the trigger folders or the local runtime; nothing imports from
// outside the project (a folder beside the repository is never a dependency).
import path from "node:path";
import { describe, expect, it } from "vitest";
import { importCircles, readImportGraph } from "./importGraph";

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
