// GET /api/openapi.json, anonymously, against what the runtime actually serves: every HTTP
// function the functions-core registry holds is in the document under its route and method, with
// its name as operationId, and the document holds nothing else. A route added without its spec
// in the catalog, or a catalog entry the app does not serve, fails here.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { functionsByTrigger } from "../../local/functionsCore";
import { routeCatalog } from "../../shared/http/route";
import { openApiDocument, openApiPath, routeParameters } from "../../shared/http/openapi";

let kw: Keyward;
let doc: any;

beforeAll(async () => {
  kw = await Keyward.start();
  const res = await kw.call("GET", "openapi.json", { as: null });
  expect(res.status).toBe(200);
  doc = res.body;
});
afterAll(async () => kw?.stop());

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

function documented(): Map<string, any> {
  const ops = new Map<string, any>();
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(item)) if (METHODS.includes(method)) ops.set(`${method.toUpperCase()} ${path}`, op);
  }
  return ops;
}

describe("GET /api/openapi.json", () => {
  it("is an OpenAPI 3.1 document served without a token", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({ title: "keyward" });
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.components.schemas.Error.properties.error.required).toEqual(["code", "message"]);
  });

  it("lists exactly the HTTP functions the runtime registered, by route, method and name", () => {
    const registered = new Map<string, string>();
    for (const fn of functionsByTrigger("httpTrigger")) {
      // The console's static files are not part of the API (functions/console/static.ts).
      if (fn.name === "consoleStatic") continue;
      const methods = (fn.trigger.methods as string[] | undefined) ?? [];
      expect(methods.length, `${fn.name} declares its methods`).toBeGreaterThan(0);
      // API routes carry "api/" (host.json's routePrefix is ""); the document's server URL is /api.
      const route = String(fn.trigger.route);
      expect(route.startsWith("api/"), `${fn.name} is under /api`).toBe(true);
      for (const m of methods) registered.set(`${m.toUpperCase()} ${openApiPath(route.slice("api/".length))}`, fn.name);
    }
    const ops = documented();
    expect([...ops.keys()].sort()).toEqual([...registered.keys()].sort());
    for (const [key, op] of ops) expect(op.operationId, key).toBe(registered.get(key));
    expect(registered.size).toBeGreaterThan(25);
    expect(ops.get("GET /openapi.json")?.operationId).toBe("openApiDocument");
  });

  it("declares each route's path parameters, roles and body", () => {
    for (const [key, op] of documented()) {
      const path = key.split(" ")[1];
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(op.parameters.map((p: any) => p.name), key).toEqual(inPath);
      for (const p of op.parameters) expect(p).toMatchObject({ in: "path", required: true });
      const spec = routeCatalog.find((s) => s.name === op.operationId)!;
      expect(op["x-keyward-roles"], key).toEqual([...spec.roles]);
      expect(op.security, key).toEqual(spec.roles.length ? [{ bearer: [] }] : []);
      expect(Boolean(op.requestBody), key).toBe(Boolean(spec.body));
      expect(op.responses.default.content["application/json"].schema.$ref).toBe("#/components/schemas/Error");
    }
    const put = documented().get("PUT /environments/{id}/files/{path}");
    expect(put.requestBody.content["application/octet-stream"]).toBeDefined();
    expect(put.responses["423"]).toBeDefined();
    expect(documented().get("GET /health").security).toEqual([]);
  });

  it("gives every JSON request body and every JSON 2xx response a schema with its properties", () => {
    const resolve = (schema: any): any => (schema?.$ref ? doc.components.schemas[schema.$ref.split("/").pop()] : schema);
    // An object schema names its properties; an array names its items' (resolved through $ref).
    const described = (schema: any): boolean => {
      const s = resolve(schema);
      if (!s) return false;
      if (s.type === "array") return described(s.items);
      if (s.oneOf || s.anyOf) return (s.oneOf ?? s.anyOf).every(described);
      return s.type === "object" ? Object.keys(s.properties ?? {}).length > 0 || s.additionalProperties !== undefined : s.type !== undefined || s.const !== undefined;
    };
    let bodies = 0;
    let responses = 0;
    for (const [key, op] of documented()) {
      const json = op.requestBody?.content?.["application/json"];
      if (json && op.requestBody.content["application/json"].schema?.type === "object") {
        bodies++;
        expect(described(json.schema), `${key} request body`).toBe(true);
      }
      for (const [status, r] of Object.entries(op.responses as Record<string, any>)) {
        if (!/^2/.test(status) || !r.content?.["application/json"]) continue;
        responses++;
        expect(described(r.content["application/json"].schema), `${key} ${status}`).toBe(true);
      }
      expect(Object.keys(op.responses).some((s) => /^2/.test(s)), `${key} declares its success`).toBe(true);
    }
    expect(bodies).toBeGreaterThanOrEqual(8);
    expect(responses).toBeGreaterThan(25);
  });

  it("says the tenant rules: 401 for a token without a tenant, another tenant's resource a 404, membership and Reader 403s where they apply", () => {
    // Which routes need the policy's Reader, read from the handlers themselves: a route file that
    // calls requireReader declares readerRequired, so its document says PolicyReaderRequired.
    const functionsDir = path.resolve(__dirname, "../../functions");
    const files = fs.readdirSync(functionsDir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    const readerRoutes = new Set(files.filter((f) => fs.readFileSync(path.join(functionsDir, f), "utf8").includes("requireReader("))
      .flatMap((f) => [...fs.readFileSync(path.join(functionsDir, f), "utf8").matchAll(/name: "([A-Za-z]+)", method:/g)].map((m) => m[1])));
    expect([...readerRoutes].sort()).toEqual(["addEnvironmentsToPolicy", "changeEnvironmentPolicy", "listPolicyCandidates", "removePolicyEnvironment"]);
    let data = 0;
    for (const [key, op] of documented()) {
      const spec = routeCatalog.find((s) => s.name === op.operationId)!;
      if (spec.roles.length === 0) {
        expect(op.responses["401"], key).toBeUndefined();
        continue;
      }
      expect(op.responses["401"].description, key).toMatch(/without the caller's Entra tenant \(a tid claim/);
      expect(op.responses["404"].description, key).toMatch(/another tenant's resource answers exactly as a missing one/);
      const forbidden = op.responses["403"].description as string;
      expect(forbidden, key).toContain(`lacks the role (${spec.roles.join(" or ")})`);
      const isData = spec.roles.includes("Environment.User" as never);
      if (isData) data++;
      expect(forbidden.includes("EnvironmentAccessDenied"), `${key} names EnvironmentAccessDenied iff a data route`).toBe(isData);
      expect(forbidden.includes("PolicyReaderRequired"), `${key} names PolicyReaderRequired iff it needs Reader`).toBe(readerRoutes.has(spec.name));
    }
    expect(data).toBeGreaterThanOrEqual(6);
    expect(doc.info.description).toMatch(/another tenant's resource answers exactly as a missing one/);
  });

  it("is the document the build wrote for the CLI's help (dist/openapi.json)", () => {
    const built = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../dist/openapi.json"), "utf8"));
    expect(built).toEqual(doc);
  });

  it("turns route templates into OpenAPI paths and refuses two functions on one route", () => {
    expect(openApiPath("environments/{id}/files/{*path}")).toBe("/environments/{id}/files/{path}");
    expect(openApiPath("items/{id:int}/{name?}")).toBe("/items/{id}/{name}");
    expect(routeParameters("environments/{id}/files/{*path}")).toEqual([{ name: "id", catchAll: false }, { name: "path", catchAll: true }]);
    const twice = { method: "GET" as const, route: "a/{x}", roles: [], audit: false, summary: "", responses: { 200: { description: "ok" } } };
    expect(() => openApiDocument([{ ...twice, name: "one" }, { ...twice, name: "two" }], { version: "1.0.0" })).toThrow(/Two routes answer GET \/a\/\{x\}/);
  });
});
