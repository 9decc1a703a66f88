// The Event Grid subscriptions in the templates deliver what keyward's Event Grid functions act on,
// to functions that exist: the Key Vault event types keyVaultEvents handles, the role-assignment
// operations roleAssignmentEvents handles, and the function names the code registers.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { EVENT_FUNCTION_NAMES } from "../../shared/events/names";
import { BicepFile } from "./support/bicepFile";

const ROOT = path.resolve(__dirname, "../..");
const events = BicepFile.read(path.join(ROOT, "infra/modules/keywardEvents.bicep"));
const platform = BicepFile.read(path.join(ROOT, "infra/main.bicep"));
const customer = BicepFile.read(path.join(ROOT, "infra/customer/main.bicep"));

/** The string literals of the Event Grid functions' sources that match `pattern`. */
function literalsInEventFunctions(pattern: RegExp): Set<string> {
  const dir = path.join(ROOT, "functions/events");
  const found = new Set<string>();
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(".ts"))) {
    const visit = (node: ts.Node): void => {
      if (ts.isStringLiteral(node) && pattern.test(node.text)) found.add(node.text);
      ts.forEachChild(node, visit);
    };
    visit(ts.createSourceFile(name, fs.readFileSync(path.join(dir, name), "utf8"), ts.ScriptTarget.ES2022, true));
  }
  return found;
}

/** The functions a template's webhooks name: `functionName: '...'` params and keywardWebhookUrl(host, '...', key). */
function targetedFunctions(bicep: BicepFile): string[] {
  const names: string[] = [];
  bicep.tokens.forEach((t, i) => {
    const next = bicep.tokens[i + 2];
    if (t.value === "functionName" && bicep.tokens[i + 1]?.value === ":" && next?.kind === "string") names.push(next.value);
    if (t.value === "keywardWebhookUrl" && bicep.tokens[i + 1]?.value === "(") {
      const comma = bicep.tokens.findIndex((p, j) => j > i && p.value === ",");
      if (bicep.tokens[comma + 1]?.kind === "string") names.push(bicep.tokens[comma + 1].value);
    }
  });
  return names;
}

describe("Event Grid subscriptions", () => {
  it("deliver exactly the Key Vault events keyVaultEvents handles", () => {
    const handled = literalsInEventFunctions(/^Microsoft\.KeyVault\.\w+$/);
    expect(handled.size).toBeGreaterThan(0);
    expect(new Set(events.varStringList("keyVaultEventTypes"))).toEqual(handled);
  });

  it("filter the subscription's resource events to the role-assignment operations roleAssignmentEvents handles", () => {
    const handled = literalsInEventFunctions(/^Microsoft\.Authorization\/roleAssignments\/\w+$/);
    expect(handled.size).toBeGreaterThan(0);
    expect(new Set(events.varStringList("roleAssignmentOperations"))).toEqual(handled);
    // Role assignments are written and deleted as resources of the subscription:
    // https://learn.microsoft.com/azure/event-grid/event-schema-subscriptions
    expect(events.varStringList("resourceEventTypes").sort()).toEqual(["Microsoft.Resources.ResourceDeleteSuccess", "Microsoft.Resources.ResourceWriteSuccess"]);
  });

  it("go to functions keyward registers: the platform vault's to keyVaultEvents, the customer's to both", () => {
    const registered = Object.values(EVENT_FUNCTION_NAMES) as string[];
    expect(targetedFunctions(platform)).toEqual([EVENT_FUNCTION_NAMES.keyVault]);
    expect(targetedFunctions(customer).sort()).toEqual([...registered].sort());
  });

  it("use the shared lists of infra/modules/keywardEvents.bicep, not copies of them", () => {
    const copied = /^(Microsoft\.KeyVault\.\w+|Microsoft\.Resources\.Resource\w+|Microsoft\.Authorization\/roleAssignments\/\w+)$/;
    for (const bicep of [platform, customer]) {
      expect(bicep.ofKind("import").flatMap((d) => d.importedNames ?? []), bicep.file).toContain("keyVaultEventTypes");
      expect(bicep.tokens.filter((t) => t.kind === "string" && copied.test(t.value)).map((t) => t.value), bicep.file).toEqual([]);
    }
  });
});
