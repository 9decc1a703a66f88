// The code version of a deployment: a hash of the orchestration code's files (names and bytes),
// so any change to an orchestration changes it and nothing else does. Read once at start-up by
// the app's entry point (app.ts), which passes it to setCodeVersion.
import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";

export function codeVersionOfFolder(folder: string): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.(js|ts)$/.test(entry.name) && !/\.d\.ts$/.test(entry.name)) hash.update(path.relative(folder, file)).update("\0").update(fs.readFileSync(file)).update("\0");
    }
  };
  walk(folder);
  return hash.digest("hex").slice(0, 16);
}
