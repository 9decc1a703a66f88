// THE settings test: every app setting keyward's deployed code reads is set by infra/main.bicep or
// documented (optional) in the README's configuration table, and every setting the template sets
// is one the code reads, one the Functions host documents, or one explicitly pending.
// The code is read at test time, so a setting added later is checked too.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEPLOYED_ROOTS } from "../../infra/scripts/stagePackage.mjs";
import { BicepFile } from "./support/bicepFile";
import { settingsDocumentedIn } from "./support/readmeSettings";
import { settingsReadByCode } from "./support/settingsReadByCode";
import { checkSettings } from "./support/settingsCheck";
import { HOST_SETTINGS, PENDING_SETTINGS } from "./support/settingsPolicy";

const ROOT = path.resolve(__dirname, "../..");
// The sources of what ships (infra/scripts/stagePackage.mjs): app.js is compiled from app.ts.
const SOURCES = DEPLOYED_ROOTS.map((r) => r.replace(/\.js$/, ".ts"));
const read = settingsReadByCode(ROOT, SOURCES);
const setByTemplate = BicepFile.read(path.join(ROOT, "infra/main.bicep")).varObjectKeys("appSettings");
const findings = checkSettings({
  readers: read.readers,
  setByTemplate,
  documented: settingsDocumentedIn(fs.readFileSync(path.join(ROOT, "README.md"), "utf8")),
  hostSettings: HOST_SETTINGS,
  pending: PENDING_SETTINGS,
});

describe("app settings: the code, infra/main.bicep and the README agree", () => {
  it("the collector sees how every deployed source that touches process.env reads its settings", () => {
    const blind = [...read.processEnvFiles].filter(([, count]) => count === 0).map(([file]) => file);
    expect(blind, "these files use process.env but no setting name was found in them: teach test/infra/support/settingsReadByCode.ts how they read").toEqual([]);
    expect(read.processEnvFiles.size).toBeGreaterThan(0);
  });

  it("every setting the code reads is set by infra/main.bicep or listed in the README's configuration table", () => {
    expect(findings.undocumented, "set these in infra/main.bicep's appSettings, or document them as optional in README.md's configuration table").toEqual([]);
  });

  it("every setting infra/main.bicep sets is read by the code, a documented host setting, or pending", () => {
    expect(findings.unread, "nothing reads these: remove them from infra/main.bicep, or list them in test/infra/support/settingsPolicy.ts with the reason").toEqual([]);
  });

  it("every pending setting is still set by the template and not read by the code yet", () => {
    expect(findings.pendingNotSet, "infra/main.bicep no longer sets these: drop them from PENDING_SETTINGS").toEqual([]);
    expect(findings.pendingAlreadyRead, "the code reads these now: drop them from PENDING_SETTINGS").toEqual([]);
  });

  it("the template sets each setting once", () => {
    expect(new Set(setByTemplate).size).toBe(setByTemplate.length);
  });
});
