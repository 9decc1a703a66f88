// The settings the README documents: every `NAME` in the first column of the table under its
// "Configuration (app settings)" heading (a cell may list several, comma-separated).

export const CONFIGURATION_HEADING = /^#+\s+Configuration \(app settings\)\s*$/;

export function settingsDocumentedIn(readme: string): Set<string> {
  const lines = readme.split("\n");
  const start = lines.findIndex((l) => CONFIGURATION_HEADING.test(l));
  if (start < 0) throw new Error('README.md has no "Configuration (app settings)" heading');
  const names = new Set<string>();
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("#")) break;
    if (!line.startsWith("|")) continue;
    const firstCell = line.split("|")[1] ?? "";
    for (const m of firstCell.matchAll(/`([^`]+)`/g)) names.add(m[1]);
  }
  if (names.size === 0) throw new Error('README.md: the table under "Configuration (app settings)" lists no `SETTING`');
  return names;
}
