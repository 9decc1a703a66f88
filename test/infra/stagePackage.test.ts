// The deployment package infra/scripts/stagePackage.mjs writes holds the compiled app, the built
// console and its production dependencies only, and everything the app requires resolves inside it.
// Needs dist/ (npx tsc -p tsconfig.json, as the test command runs first).
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkRequireClosure, stagePackage, StageError } from "../../infra/scripts/stagePackage.mjs";

const ROOT = path.resolve(__dirname, "../..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-stage-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { main: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

describe("the staged deployment package", () => {
  it("holds the compiled app, host.json and the manifests, and none of local/, bench/, cli/, tests or sources", () => {
    expect(fs.existsSync(path.join(ROOT, "dist/app.js")), "build first: npx tsc -p tsconfig.json").toBe(true);
    const out = path.join(work, "files");
    const closure = stagePackage({ root: ROOT, outDir: out, build: false, install: false });
    const files = filesUnder(out);
    expect(files).toEqual(expect.arrayContaining(["host.json", "package.json", "package-lock.json", ".funcignore", "dist/app.js", "dist/functions/index.js", "dist/shared/settings.js"]));
    expect(files.filter((f) => /^dist\/(local|bench|cli|test)\//.test(f) || f.endsWith(".ts") || f.endsWith(".map") || f.startsWith("test/") || f.startsWith("infra/"))).toEqual([]);
    expect(fs.readFileSync(path.join(out, "host.json"), "utf8")).toBe(fs.readFileSync(path.join(ROOT, "host.json"), "utf8"));
    // Every shipped file of code is reached from the entry point (the console's files are served, not
    // required), and the code needs only production dependencies.
    expect(closure.files.length).toBe(files.filter((f) => f.startsWith("dist/") && !f.startsWith("dist/console/")).length);
    expect(closure.packages.every((p) => manifest.dependencies[p])).toBe(true);
    expect(closure.packages).toEqual(expect.arrayContaining(["@azure/functions", "durable-functions"]));
  });

  it("holds the built console, every file of dist/console byte for byte: index.html and each asset it loads", () => {
    const out = path.join(work, "console");
    stagePackage({ root: ROOT, outDir: out, build: false, install: false });
    const built = filesUnder(path.join(ROOT, "dist/console"));
    expect(built).toContain("index.html");
    expect(filesUnder(path.join(out, "dist/console")).sort()).toEqual([...built].sort());
    for (const file of built) expect(fs.readFileSync(path.join(out, "dist/console", file)).equals(fs.readFileSync(path.join(ROOT, "dist/console", file))), file).toBe(true);
    // What index.html loads (its hashed scripts and styles) is in the package.
    const html = fs.readFileSync(path.join(out, "dist/console/index.html"), "utf8");
    const loaded = [...html.matchAll(/(?:src|href)="\/console\/([^"]+)"/g)].map((m) => m[1]);
    expect(loaded.filter((f) => f.startsWith("assets/")).length, html).toBeGreaterThanOrEqual(2);
    for (const file of loaded) expect(fs.existsSync(path.join(out, "dist/console", file)), file).toBe(true);
  });

  it("answers / with the console from the staged package, not 503 ConsoleNotBuilt, and serves each asset it loads", async () => {
    const out = path.join(work, "console-served");
    stagePackage({ root: ROOT, outDir: out, build: false, install: false });
    // The staged code itself, over the folder functions/console/static.ts serves (the app root's dist/console).
    const { createStaticSite } = createRequire(path.join(out, manifest.main))("./functions/console/staticFiles.js") as typeof import("../../functions/console/staticFiles");
    const serve = createStaticSite({ root: path.join(out, "dist", "console"), config: () => ({ mode: "unconfigured", message: "test" }) });
    const index = await serve("", "GET");
    expect(index.status, JSON.stringify(index.jsonBody)).toBe(200);
    expect((index.headers as Record<string, string>)["content-type"]).toMatch(/^text\/html/);
    const html = String(index.body);
    const assets = [...html.matchAll(/(?:src|href)="\/(console\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.length, html).toBeGreaterThanOrEqual(2);
    for (const file of assets) expect((await serve(file, "GET")).status, file).toBe(200);
  });

  it("is refused when the console was not built, naming the missing file and the build command", () => {
    const root = path.join(work, "unbuilt");
    fs.mkdirSync(path.join(root, "dist"), { recursive: true });
    fs.writeFileSync(path.join(root, "dist/app.js"), "");
    const out = path.join(work, "unbuilt-out");
    expect(() => stagePackage({ root, outDir: out, build: false, install: false })).toThrow(/dist\/console\/index\.html is missing: build the console first \(npm run build/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it("is refused when the code requires a file it does not ship or a package that is only a dev dependency", () => {
    const app = path.join(work, "bad", "dist", "app.js");
    fs.mkdirSync(path.dirname(app), { recursive: true });
    fs.writeFileSync(app, 'require("node:fs");\nrequire("./functions/index");\nrequire("vitest");\nrequire("jose/dist/x");\n');
    const attempt = () => checkRequireClosure(app, { jose: "5.10.0" });
    expect(attempt).toThrow(StageError);
    expect(attempt).toThrow(/requires '\.\/functions\/index', which the package does not contain/);
    expect(attempt).toThrow(/requires 'vitest', which is not a production dependency/);
  });

  it("refuses to stage into the project or a folder holding it (the folder is emptied first)", () => {
    expect(() => stagePackage({ root: ROOT, outDir: ROOT, build: false, install: false })).toThrow(/Refusing to stage/);
    expect(() => stagePackage({ root: ROOT, outDir: path.dirname(ROOT), build: false, install: false })).toThrow(/Refusing to stage/);
    expect(fs.existsSync(path.join(ROOT, "package.json"))).toBe(true);
  });

  it("installs the production dependencies only, and every package the app requires resolves from it", { timeout: 600_000 }, () => {
    const out = path.join(work, "installed");
    // --prefer-offline: from npm's cache, which the project's own `npm ci` filled.
    const closure = stagePackage({ root: ROOT, outDir: out, build: false, install: true, npmArgs: ["--prefer-offline"] });
    const devOnly = Object.entries(lock.packages).filter(([where, entry]) => where.startsWith("node_modules/") && entry.dev).map(([where]) => where);
    expect(devOnly.length).toBeGreaterThan(0);
    expect(devOnly.filter((where) => fs.existsSync(path.join(out, where)))).toEqual([]);
    for (const name of Object.keys(manifest.devDependencies)) {
      if (lock.packages[`node_modules/${name}`]?.dev) expect(fs.existsSync(path.join(out, "node_modules", name)), name).toBe(false);
    }
    const requireFromApp = createRequire(path.join(out, manifest.main));
    for (const name of closure.packages) expect(requireFromApp.resolve(name).startsWith(path.join(out, "node_modules")), name).toBe(true);
  });
});
