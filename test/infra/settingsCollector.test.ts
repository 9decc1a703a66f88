// The parts of the settings test catch what they claim to, on fixtures: how settings are found in
// code, the README table, identity connections, and each kind of disagreement.
import { describe, expect, it } from "vitest";
import { settingsDocumentedIn } from "./support/readmeSettings";
import { checkSettings } from "./support/settingsCheck";
import { settingsReadIn, settingsReferencedIn } from "./support/settingsReadByCode";
import { connectionOf } from "./support/settingsPolicy";

const names = (code: string) => [...settingsReadIn("fixture.ts", code)].sort();

describe("settings read by code", () => {
  it("finds the settings.ts helpers' names, process.env in both spellings, and env.NAME", () => {
    expect(names(`
      const a = str(env, "KEYWARD_ONE");
      const b = int(env, "KEYWARD_TWO", 1, 0, 9);
      const c = process.env.APPLICATIONINSIGHTS_CONNECTION_STRING;
      const d = process.env["plainName"];
      const e = process.env.lowercase_too;
      const f = (env: NodeJS.ProcessEnv) => env.KEYWARD_THREE;
      const CONNECTION = "KEYWARD_DATA_STORAGE";
      const g = env["KEYWARD_DATA_STORAGE__blobServiceUri"];
    `)).toEqual(["APPLICATIONINSIGHTS_CONNECTION_STRING", "KEYWARD_DATA_STORAGE", "KEYWARD_DATA_STORAGE__blobServiceUri", "KEYWARD_ONE", "KEYWARD_THREE", "KEYWARD_TWO", "lowercase_too", "plainName"]);
  });

  it("ignores what only mentions a setting: messages, prefixes, comments, other properties", () => {
    expect(names(`
      // reads process.env.KEYWARD_COMMENTED and "KEYWARD_QUOTED_IN_COMMENT"
      throw new Error("App setting KEYWARD_STATE_PREFIX must be a letter");
      const keep = k.startsWith("KEYWARD_");
      const id = env.id + env.encryption.lockedReason;
      const t = \`KEYWARD_\${name}\`;
    `)).toEqual([]);
  });

  it("finds %NAME% in host.json", () => {
    expect([...settingsReferencedIn('{"extensions":{"durableTask":{"hubName":"%KEYWARD_TASK_HUB%"}}}')]).toEqual(["KEYWARD_TASK_HUB"]);
  });
});

describe("the README's configuration table", () => {
  const readme = "# x\n## Configuration (app settings)\n\n| setting | default |\n|---|---|\n| `A` | `1` |\n| `B`, `C` | |\n\n## Next\n| `D` | |\n";

  it("lists every backticked name of the first column, until the next heading", () => {
    expect([...settingsDocumentedIn(readme)]).toEqual(["A", "B", "C"]);
  });

  it("must exist and list something", () => {
    expect(() => settingsDocumentedIn("# x\n")).toThrow(/no "Configuration \(app settings\)" heading/);
    expect(() => settingsDocumentedIn("## Configuration (app settings)\ntext\n")).toThrow(/lists no/);
  });
});

describe("identity connections", () => {
  it("take P__<documented suffix> as part of the connection P, and nothing else", () => {
    expect(connectionOf("KEYWARD_DATA_STORAGE__blobServiceUri")).toBe("KEYWARD_DATA_STORAGE");
    expect(connectionOf("AzureWebJobsStorage__clientId")).toBe("AzureWebJobsStorage");
    expect(connectionOf("AzureFunctionsJobHost__logging__logLevel")).toBeUndefined();
    expect(connectionOf("KEYWARD_TASK_HUB")).toBeUndefined();
  });
});

describe("the settings comparison", () => {
  const base = {
    readers: new Map([["KEYWARD_SET", ["a.ts"]], ["KEYWARD_DOCUMENTED", ["b.ts"]], ["KEYWARD_CONN", ["c.ts"]]]),
    setByTemplate: ["KEYWARD_SET", "KEYWARD_CONN__tableServiceUri", "HOST_ONE", "KEYWARD_LATER"],
    documented: new Set(["KEYWARD_DOCUMENTED"]),
    hostSettings: { HOST_ONE: "doc" },
    pending: { KEYWARD_LATER: "why" },
  };

  it("finds nothing when each setting is accounted for", () => {
    expect(checkSettings(base)).toEqual({ undocumented: [], unread: [], pendingNotSet: [], pendingAlreadyRead: [] });
  });

  it("names a setting the code reads that is neither set nor documented, with its readers", () => {
    const readers = new Map([...base.readers, ["KEYWARD_NEW", ["shared/x.ts", "host.json"]]]);
    expect(checkSettings({ ...base, readers }).undocumented).toEqual(["KEYWARD_NEW (read in shared/x.ts, host.json)"]);
  });

  it("names a template setting nothing reads, including a connection property of an unread connection", () => {
    const setByTemplate = [...base.setByTemplate, "KEYWARD_TYPO", "KEYWARD_OTHER__blobServiceUri"];
    expect(checkSettings({ ...base, setByTemplate }).unread).toEqual(["KEYWARD_TYPO", "KEYWARD_OTHER__blobServiceUri"]);
  });

  it("names a pending entry the template dropped and one the code reads by now", () => {
    const readers = new Map([...base.readers, ["KEYWARD_LATER", ["host.json"]]]);
    expect(checkSettings({ ...base, readers, pending: { ...base.pending, KEYWARD_GONE: "why" } })).toMatchObject({
      pendingNotSet: ["KEYWARD_GONE"],
      pendingAlreadyRead: ["KEYWARD_LATER"],
    });
  });
});
