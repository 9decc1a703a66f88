// The comparison behind the settings test, apart from where its inputs come from.
import { connectionOf } from "./settingsPolicy";

export interface SettingsInputs {
  /** setting -> files that read it (code and host.json). */
  readers: Map<string, string[]>;
  /** The keys of infra/main.bicep's appSettings. */
  setByTemplate: readonly string[];
  /** The settings the README's configuration table lists. */
  documented: ReadonlySet<string>;
  hostSettings: Readonly<Record<string, string>>;
  pending: Readonly<Record<string, string>>;
}

export interface SettingsFindings {
  /** Read by the code, neither set by the template (itself or, for a connection, its P__ properties) nor documented: "NAME (read in files)". */
  undocumented: string[];
  /** Set by the template, read by nothing: not the code, not the host, not pending. */
  unread: string[];
  /** Pending entries the template no longer sets. */
  pendingNotSet: string[];
  /** Pending entries the code reads by now. */
  pendingAlreadyRead: string[];
}

export function checkSettings({ readers, setByTemplate, documented, hostSettings, pending }: SettingsInputs): SettingsFindings {
  // A template setting P__suffix of an identity connection P counts under P.
  const under = (setting: string) => [setting, connectionOf(setting)].filter((n): n is string => n !== undefined);
  const templateSets = (name: string) => setByTemplate.some((s) => under(s).includes(name));
  return {
    undocumented: [...readers].filter(([name]) => !templateSets(name) && !documented.has(name)).map(([name, files]) => `${name} (read in ${files.join(", ")})`),
    unread: setByTemplate.filter((s) => !hostSettings[s] && !under(s).some((n) => readers.has(n) || pending[n] !== undefined)),
    pendingNotSet: Object.keys(pending).filter((p) => !templateSets(p)),
    pendingAlreadyRead: Object.keys(pending).filter((p) => readers.has(p)),
  };
}
