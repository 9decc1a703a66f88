// The app settings keyward's deployed code reads, collected from the source at test time (so a
// setting added later is checked too) with the TypeScript parser:
//   - a string literal that is exactly a setting's name ("KEYWARD_AUTH_ISSUER" in
//     str(env, "KEYWARD_AUTH_ISSUER"), env["..."], a constant...);
//   - process.env.NAME and process.env["NAME"], whatever NAME looks like;
//   - <anything>.NAME where NAME is spelled like a setting (env.KEYWARD_LOCAL_VAULT_MANAGEMENT_URL);
// and %NAME% in host.json (the host resolves those from app settings).
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

/** What a setting's name looks like: keyward's, the host's, App Service's, the Azure SDKs'. */
export const SETTING_NAME = /^(KEYWARD_[A-Z0-9_]+(__[A-Za-z]+)?|APPLICATIONINSIGHTS_[A-Z0-9_]+|AzureWebJobs[A-Za-z0-9_]+|AzureFunctionsJobHost__[A-Za-z0-9_]+|FUNCTIONS_[A-Z0-9_]+|WEBSITE_[A-Z0-9_]+|AZURE_[A-Z0-9_]+)$/;

function isProcessEnv(node: ts.Expression): boolean {
  return ts.isPropertyAccessExpression(node) && node.name.text === "env" && ts.isIdentifier(node.expression) && node.expression.text === "process";
}

/** The settings one TypeScript source reads. */
export function settingsReadIn(fileName: string, text: string): Set<string> {
  const found = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      if (SETTING_NAME.test(node.text)) found.add(node.text);
    } else if (ts.isPropertyAccessExpression(node)) {
      if (isProcessEnv(node.expression) || SETTING_NAME.test(node.name.text)) found.add(node.name.text);
    } else if (ts.isElementAccessExpression(node) && isProcessEnv(node.expression) && ts.isStringLiteralLike(node.argumentExpression)) {
      found.add(node.argumentExpression.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS));
  return found;
}

/** The settings host.json refers to as %NAME%. */
export function settingsReferencedIn(hostJson: string): Set<string> {
  return new Set([...hostJson.matchAll(/%([A-Za-z_][A-Za-z0-9_]*)%/g)].map((m) => m[1]));
}

function typeScriptFilesUnder(entry: string): string[] {
  if (!fs.statSync(entry).isDirectory()) return [entry];
  return fs.readdirSync(entry, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts"))
    .map((e) => path.join(e.parentPath, e.name));
}

export interface SettingsRead {
  /** setting -> the files (relative to the root) that read it. */
  readers: Map<string, string[]>;
  /** Sources that touch process.env: each must yield at least one setting, or the collector missed how it reads them. */
  processEnvFiles: Map<string, number>;
}

/** Every setting read by the deployed sources (`roots`, relative to `root`, compiled to dist/) and host.json. */
export function settingsReadByCode(root: string, roots: readonly string[]): SettingsRead {
  const readers = new Map<string, string[]>();
  const processEnvFiles = new Map<string, number>();
  const add = (name: string, file: string) => readers.set(name, [...(readers.get(name) ?? []), file]);
  for (const entry of roots) {
    for (const file of typeScriptFilesUnder(path.join(root, entry))) {
      const relative = path.relative(root, file);
      const text = fs.readFileSync(file, "utf8");
      const names = settingsReadIn(relative, text);
      for (const name of names) add(name, relative);
      if (/\bprocess\.env\b/.test(text)) processEnvFiles.set(relative, names.size);
    }
  }
  for (const name of settingsReferencedIn(fs.readFileSync(path.join(root, "host.json"), "utf8"))) add(name, "host.json");
  return { readers, processEnvFiles };
}
