// azure.yaml has the shape azd's Functions Flex Consumption samples use (one function service in
// TypeScript), points at a package folder the prepackage hook writes, and runs hooks that exist;
// the parameter files give every required parameter of their template and nothing it lacks.
// Schema: https://raw.githubusercontent.com/Azure/azure-dev/main/schemas/v1.0/azure.yaml.json
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { BicepFile } from "./support/bicepFile";

const ROOT = path.resolve(__dirname, "../..");

interface Hook { shell?: string; run?: string; posix?: Hook; windows?: Hook }
interface AzureYaml {
  name: string;
  infra?: { path?: string; module?: string };
  services: Record<string, { project: string; language: string; host: string; dist?: string; remoteBuild?: boolean; hooks?: Record<string, Hook> }>;
  hooks?: Record<string, Hook>;
}

const azureYaml = parse(fs.readFileSync(path.join(ROOT, "azure.yaml"), "utf8")) as AzureYaml;

/** The commands of a hook, for each platform it names. */
function commands(hook: Hook): string[] {
  return [hook, hook.posix, hook.windows].flatMap((h) => (h?.run ? [h.run] : []));
}

describe("azure.yaml", () => {
  it("declares one TypeScript function service deployed as staged here (no remote build)", () => {
    expect(azureYaml.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(Object.keys(azureYaml.services)).toEqual(["api"]);
    expect(azureYaml.services.api).toMatchObject({ project: ".", language: "ts", host: "function", dist: ".deploy", remoteBuild: false });
  });

  it("stages the package before azd packs it, into the folder azd packs", () => {
    const prepackage = azureYaml.services.api.hooks?.prepackage;
    expect(prepackage).toBeDefined();
    for (const command of commands(prepackage!)) expect(command).toBe("node infra/scripts/stagePackage.mjs");
    // The staging script writes .deploy by default, and neither git nor a Core Tools publish takes it.
    expect(fs.readFileSync(path.join(ROOT, "infra/scripts/stagePackage.mjs"), "utf8")).toContain('".deploy"');
    expect(fs.readFileSync(path.join(ROOT, ".gitignore"), "utf8").split("\n")).toContain(".deploy/");
  });

  it("runs hooks whose scripts exist, on POSIX and Windows alike", () => {
    const hooks = [...Object.values(azureYaml.hooks ?? {}), ...Object.values(azureYaml.services.api.hooks ?? {})];
    expect(hooks.length).toBeGreaterThan(0);
    for (const hook of hooks) {
      expect(hook.posix?.run, "a posix variant").toBeDefined();
      expect(hook.windows?.run, "a windows variant").toBe(hook.posix?.run);
      for (const command of commands(hook)) {
        const script = command.match(/^node (\S+)$/)?.[1];
        expect(script, `'${command}' runs one script with node`).toBeDefined();
        expect(fs.existsSync(path.join(ROOT, script!)), `${script} exists`).toBe(true);
      }
    }
    expect(commands(azureYaml.hooks!.postdeploy)).toContain("node infra/scripts/connectPlatformEvents.mjs");
  });

  it("provisions infra/main.bicep (azd's default infra path and module)", () => {
    expect(azureYaml.infra?.path ?? "infra").toBe("infra");
    expect(azureYaml.infra?.module ?? "main").toBe("main");
    expect(fs.existsSync(path.join(ROOT, "infra/main.bicep"))).toBe(true);
  });
});

describe.each([["infra/main.bicep", "infra/main.parameters.json"], ["infra/customer/main.bicep", "infra/customer/main.parameters.json"]])("%s parameters", (template, parametersFile) => {
  const params = BicepFile.read(path.join(ROOT, template)).ofKind("param");
  const given = Object.keys((JSON.parse(fs.readFileSync(path.join(ROOT, parametersFile), "utf8")) as { parameters: Record<string, unknown> }).parameters);

  it(`${parametersFile} gives every parameter without a default`, () => {
    expect(params.filter((p) => !p.hasDefault && !given.includes(p.name)).map((p) => p.name)).toEqual([]);
  });

  it(`${parametersFile} gives no parameter the template lacks`, () => {
    expect(given.filter((g) => !params.some((p) => p.name === g))).toEqual([]);
  });
});

describe("infra/main.parameters.json", () => {
  it("takes azd's environment name and location, and the API's client id from the azd environment", () => {
    const parameters = (JSON.parse(fs.readFileSync(path.join(ROOT, "infra/main.parameters.json"), "utf8")) as { parameters: Record<string, { value: unknown }> }).parameters;
    expect(parameters.environmentName.value).toBe("${AZURE_ENV_NAME}");
    expect(parameters.location.value).toBe("${AZURE_LOCATION}");
    expect(parameters.apiClientId.value).toBe("${KEYWARD_API_CLIENT_ID}");
    expect(parameters.platformEventsEnabled.value).toBe("${KEYWARD_PLATFORM_EVENTS=false}");
  });
});
