// The CLI's help comes from the routes' own declarations: dist/openapi.json, which `npm run build`
// writes from the route catalog. Every API command names its route; the route exists, accepts the
// command's role, and the command's help shows its parameters and body fields.
import { describe, expect, it } from "vitest";
import { API_COMMANDS } from "../../cli/allCommands";
import { apiDocument, apiHelpLines, findOperation } from "../../cli/apiHelp";
import { helpOf } from "../../cli/command";

const doc = apiDocument();

describe("CLI help from the route declarations", () => {
  it("finds the build's API document (npm test builds first)", () => {
    expect(doc, "dist/openapi.json is missing: run 'npm run build'").toBeDefined();
    expect(doc!.openapi).toBe("3.1.0");
  });

  it.each(API_COMMANDS.map((c) => [c.words.join(" "), c] as const))("%s names a route that takes its role", (_, command) => {
    expect(command.api, "an API command must name the route it calls (api: operationId)").toBeDefined();
    const found = findOperation(doc!, command.api!);
    expect(found, `${command.api} is not in the API document`).toBeDefined();
    expect(found!.operation["x-keyward-roles"]).toContain(command.role);
  });

  it("shows a route's path, query parameters and nested body fields", () => {
    const create = helpOf(API_COMMANDS.find((c) => c.words.join(" ") === "policies create")!);
    expect(create).toContain("API: PUT /api/enterprisePolicies/{name}  (putEnterprisePolicy; roles: Keys.Admin)");
    expect(create).toContain("name (path, string, required)");
    expect(create).toMatch(/properties\.encryption\.keyVault\.key\.name \(string, required\): /);
    const list = helpOf(API_COMMANDS.find((c) => c.words.join(" ") === "environments list")!);
    expect(list).toMatch(/policy \(query, string\): /);
    const members = helpOf(API_COMMANDS.find((c) => c.words.join(" ") === "environments members add")!);
    expect(members).toMatch(/access \(Read\|ReadWrite/);
  });

  it("says what to do when the document is missing, or names a route it lacks", () => {
    expect(apiHelpLines("putEnterprisePolicy", null).join("\n")).toContain("run 'npm run build'");
    expect(apiHelpLines("noSuchRoute", doc).join("\n")).toContain("not in this build's API document");
  });
});
