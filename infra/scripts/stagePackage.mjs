#!/usr/bin/env node
// Stages keyward's deployment package, as azd's prepackage hook (azure.yaml: dist .deploy,
// remoteBuild false): the compiled app (dist/app.js and dist/{functions,orchestrations,activities,
// shared}), the built admin console (dist/console, every file: functions/console/static.ts serves
// it), host.json, package.json, package-lock.json, and the production dependencies only
// (npm ci --omit=dev). The embedded runtime (local/), the bench, the CLI, the tests and every dev
// dependency stay out. Before installing, it follows every require() from dist/app.js and refuses a
// package whose code needs a file it does not ship or a package that is not a production dependency.
//
//   node infra/scripts/stagePackage.mjs [--out <dir>] [--no-build] [--no-install]
import { spawnSync } from "node:child_process";
import { builtinModules } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** What ships from dist/: the entry point and the folders it imports. */
export const DEPLOYED_ROOTS = ["app.js", "functions", "orchestrations", "activities", "shared"];
/** What ships from dist/ as is, every file: the console's page, scripts, styles and images (no code the app requires). */
export const DEPLOYED_STATIC = ["console"];
/** The file each static folder cannot do without: without it the app answers 503 ConsoleNotBuilt. */
const STATIC_ENTRY = { console: "index.html" };
/** What ships from the project root, as is. */
export const DEPLOYED_ROOT_FILES = ["host.json", "package.json", "package-lock.json"];

export class StageError extends Error {
  name = "StageError";
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: "inherit", shell: process.platform === "win32" });
  if (result.status !== 0) throw new StageError(`'${command} ${args.join(" ")}' failed in ${cwd} (exit ${result.status ?? result.signal}).`);
}

/** A compiled file of types only (nothing runs, nothing requires it): tsc still emits it; it does not ship. */
export function isTypeOnlyModule(source) {
  return source
    .replace(/^"use strict";/m, "")
    .replace(/^Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);/m, "")
    .replace(/^\/\/.*$/gm, "")
    .trim() === "";
}

function copyJs(fromDir, toDir) {
  for (const entry of fs.readdirSync(fromDir, { withFileTypes: true })) {
    const from = path.join(fromDir, entry.name);
    if (entry.isDirectory()) copyJs(from, path.join(toDir, entry.name));
    else if (entry.name.endsWith(".js") && !isTypeOnlyModule(fs.readFileSync(from, "utf8"))) {
      fs.mkdirSync(toDir, { recursive: true });
      fs.copyFileSync(from, path.join(toDir, entry.name));
    }
  }
}

/** The string literals passed to require() in a compiled CommonJS file. */
export function requiredSpecifiers(source) {
  return [...source.matchAll(/\brequire\(\s*(["'])([^"']+)\1\s*\)/g)].map((m) => m[2]);
}

/** "@azure/functions/x" -> "@azure/functions"; "jose" -> "jose". */
function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

function resolveRelative(fromFile, specifier) {
  const base = path.resolve(path.dirname(fromFile), specifier);
  return [base, `${base}.js`, path.join(base, "index.js")].find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile());
}

/**
 * Follows require() from `entry` through the staged files. Returns the packages the code needs;
 * throws a StageError naming every require that the package could not satisfy.
 */
export function checkRequireClosure(entry, dependencies) {
  const builtins = new Set(builtinModules);
  const seen = new Set();
  const packages = new Set();
  const problems = [];
  const pending = [entry];
  while (pending.length) {
    const file = pending.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of requiredSpecifiers(fs.readFileSync(file, "utf8"))) {
      if (specifier.startsWith(".")) {
        const target = resolveRelative(file, specifier);
        if (target) pending.push(target);
        else problems.push(`${path.relative(path.dirname(entry), file)} requires '${specifier}', which the package does not contain`);
      } else if (specifier.startsWith("node:") || builtins.has(specifier)) {
        continue;
      } else if (dependencies[packageName(specifier)]) {
        packages.add(packageName(specifier));
      } else {
        problems.push(`${path.relative(path.dirname(entry), file)} requires '${specifier}', which is not a production dependency in package.json`);
      }
    }
  }
  if (problems.length) throw new StageError(`The deployment package would not run:\n  ${problems.join("\n  ")}\nMove the package to "dependencies", or keep the code that needs it out of ${DEPLOYED_ROOTS.join(", ")}.`);
  return { files: [...seen], packages: [...packages].sort() };
}

/**
 * Writes the package to `outDir` (emptied first). `build` runs `npm run build` in `root` first;
 * `install` runs `npm ci --omit=dev` in `outDir` (with `npmArgs` added).
 */
export function stagePackage({ root, outDir, build = true, install = true, npmArgs = [] }) {
  // outDir is emptied: never the project or a folder that holds it.
  const fromOut = path.relative(path.resolve(outDir), path.resolve(root));
  if (fromOut === "" || !fromOut.startsWith("..")) throw new StageError(`Refusing to stage into ${outDir}: it is, or holds, the project ${root}.`);
  if (build) run("npm", ["run", "build", "--silent"], root);
  const dist = path.join(root, "dist");
  if (!fs.existsSync(path.join(dist, "app.js"))) throw new StageError(`${path.join(dist, "app.js")} is missing: build first (npm run build).`);
  for (const item of DEPLOYED_STATIC) {
    const entry = path.join(dist, item, STATIC_ENTRY[item]);
    if (!fs.existsSync(entry)) throw new StageError(`${entry} is missing: build the console first (npm run build, or npm run build:console).`);
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(outDir, "dist"), { recursive: true });
  for (const file of DEPLOYED_ROOT_FILES) fs.copyFileSync(path.join(root, file), path.join(outDir, file));
  for (const item of DEPLOYED_ROOTS) {
    const from = path.join(dist, item);
    if (item.endsWith(".js")) fs.copyFileSync(from, path.join(outDir, "dist", item));
    else copyJs(from, path.join(outDir, "dist", item));
  }
  for (const item of DEPLOYED_STATIC) fs.cpSync(path.join(dist, item), path.join(outDir, "dist", item), { recursive: true });
  // An ignore file of its own, so that azd packs the folder as it is (without one, azd applies
  // default exclusions of its own): https://github.com/Azure/azure-dev/pull/5383
  fs.writeFileSync(path.join(outDir, ".funcignore"), "# Written by infra/scripts/stagePackage.mjs: this folder holds only what ships.\n");
  const manifest = JSON.parse(fs.readFileSync(path.join(outDir, "package.json"), "utf8"));
  const closure = checkRequireClosure(path.join(outDir, manifest.main), manifest.dependencies ?? {});
  if (install) run("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund", ...npmArgs], outDir);
  return closure;
}

function main(argv) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
  const outIndex = argv.indexOf("--out");
  const outDir = path.resolve(root, outIndex >= 0 ? argv[outIndex + 1] : ".deploy");
  const closure = stagePackage({ root, outDir, build: !argv.includes("--no-build"), install: !argv.includes("--no-install") });
  console.log(`staged ${closure.files.length} files needing ${closure.packages.join(", ")} in ${path.relative(root, outDir)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof StageError ? err.message : err);
    process.exit(1);
  }
}
