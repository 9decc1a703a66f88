// The @azure/functions-core stand-in: registrations are captured with metadata and handler.
import "../../local/functionsCore";
import Module from "node:module";
import { describe, expect, it } from "vitest";
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { functionsByTrigger, getFunction, installRequireProxy, registry, requireFunction } from "../../local/functionsCore";

app.http("coreProbeHttp", { route: "probe/{id}", methods: ["GET"], extraInputs: [df.input.durableClient()], handler: async () => ({ body: "ok" }) });
df.app.activity("coreProbeActivity", { handler: () => "done" });

describe("functions-core stand-in", () => {
  it("captures registrations with their trigger and bindings", () => {
    const http = requireFunction("coreProbeHttp", "httpTrigger");
    expect(http.trigger).toMatchObject({ type: "httpTrigger", direction: "in", route: "probe/{id}", methods: ["GET"] });
    expect(Object.values(http.metadata.bindings).some((b) => b.type === "durableClient")).toBe(true);
    expect(functionsByTrigger("activityTrigger").map((f) => f.name)).toContain("coreProbeActivity");
    expect(getFunction("nothingByThatName")).toBeUndefined();
  });

  it("answers require('@azure/functions-core') for every module, installed once", () => {
    const req = (Module as unknown as { prototype: { require: (id: string) => unknown } }).prototype.require;
    installRequireProxy(); // again, as a second copy of the module would: must not wrap require twice
    expect((Module as unknown as { prototype: { require: unknown } }).prototype.require).toBe(req);
    const core = Module.createRequire(__filename)("@azure/functions-core") as { registerFunction: unknown };
    expect(typeof core.registerFunction).toBe("function");
  });

  it("refuses a second function with the same name", () => {
    expect(() => df.app.activity("coreProbeActivity", { handler: () => "again" })).toThrow(/already registered/);
    expect(registry.functions.get("coreProbeActivity")).toBeDefined();
  });
});
