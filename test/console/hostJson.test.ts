// The local runtime takes its routePrefix from the app's host.json as the Functions host does:
// "api" when host.json sets none, "" (the console at /) as keyward's host.json sets it, any other
// value as given; a host.json the host would refuse is refused with the reason.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findHostJson, readHostJson as readFile, routePrefixOf } from "../../local/hostJson";

/** The routePrefix the runtime serves under, for a host.json file (none: the host's default). */
const readHostJson = (file: string) => ({ routePrefix: routePrefixOf(fs.existsSync(file) ? readFile(file) : {}) });

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-hostjson-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function hostJson(name: string, content: string): string {
  const file = path.join(dir, name, "host.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

describe("host.json's routePrefix", () => {
  it("is '' in keyward's own host.json, found from local/ and from dist/local/ alike", () => {
    const root = path.resolve(__dirname, "../..");
    expect(findHostJson(path.join(root, "local"))).toBe(path.join(root, "host.json"));
    expect(findHostJson(path.join(root, "dist", "local"))).toBe(path.join(root, "host.json"));
    expect(readHostJson(path.join(root, "host.json")).routePrefix).toBe("");
  });

  it("defaults to the host's 'api', keeps any other value, and refuses what the host would", () => {
    expect(readHostJson(path.join(dir, "missing", "host.json")).routePrefix).toBe("api");
    expect(readHostJson(hostJson("none", JSON.stringify({ version: "2.0" }))).routePrefix).toBe("api");
    expect(readHostJson(hostJson("custom", JSON.stringify({ version: "2.0", extensions: { http: { routePrefix: "v1" } } }))).routePrefix).toBe("v1");
    expect(() => readHostJson(hostJson("number", JSON.stringify({ extensions: { http: { routePrefix: 7 } } })))).toThrow(/routePrefix must be a string/);
    expect(() => readHostJson(hostJson("broken", "{ not json"))).toThrow(/could not read/);
  });
});
