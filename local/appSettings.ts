// App setting lookups the Functions host does for host.json values: a "%Name%" reference (the
// whole value wrapped in percent signs, as INameResolver.TryResolveWholeString reads it) and a
// connection name (the setting itself, else "AzureWebJobs" + name).
export type AppSettings = Readonly<Record<string, string | undefined>>;

/** The setting a "%Name%" value refers to, or undefined if the value is plain text. */
export function settingReference(value: string): string | undefined {
  const m = /^%([^%]+)%$/.exec(value.trim());
  return m ? m[1] : undefined;
}

/** A host.json value with a "%Name%" reference replaced by the setting (undefined if the setting is unset or empty). */
export function resolveSettingReference(value: string, settings: AppSettings): string | undefined {
  const name = settingReference(value);
  if (name === undefined) return value;
  const resolved = settings[name];
  return resolved ? resolved : undefined;
}

/** The connection string a connection name designates: setting `name`, else `AzureWebJobs<name>`. */
export function resolveConnection(name: string, settings: AppSettings): string | undefined {
  return settings[name] || settings[`AzureWebJobs${name}`] || undefined;
}
