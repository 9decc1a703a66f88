// Which app settings infra/main.bicep may set besides those keyward's code reads: the Functions
// host's own (documented), and, for now, the ones the code does not read yet.

const IDENTITY = "https://learn.microsoft.com/azure/azure-functions/functions-reference#common-properties-for-identity-based-connections";
const HOST_STORAGE = "https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity";
const ENTRA_TELEMETRY = "https://learn.microsoft.com/azure/azure-functions/configure-monitoring#enable-microsoft-entra-authentication";

/**
 * The settings of an identity-based connection named P: P__<suffix>. A setting P__<suffix> counts as
 * read when the code reads the connection P (as the host and keyward resolve it).
 */
export const IDENTITY_CONNECTION_SUFFIXES: Record<string, string> = {
  accountName: IDENTITY,
  blobServiceUri: IDENTITY,
  queueServiceUri: IDENTITY,
  tableServiceUri: IDENTITY,
  serviceUri: IDENTITY,
  credential: IDENTITY,
  clientId: IDENTITY,
};

/** Settings the Functions host reads itself (Flex Consumption takes no FUNCTIONS_* runtime settings: runtime and scale are in functionAppConfig). */
export const HOST_SETTINGS: Record<string, string> = {
  AzureWebJobsStorage__accountName: HOST_STORAGE,
  AzureWebJobsStorage__blobServiceUri: HOST_STORAGE,
  AzureWebJobsStorage__queueServiceUri: HOST_STORAGE,
  AzureWebJobsStorage__tableServiceUri: HOST_STORAGE,
  AzureWebJobsStorage__credential: HOST_STORAGE,
  AzureWebJobsStorage__clientId: HOST_STORAGE,
  APPLICATIONINSIGHTS_CONNECTION_STRING: "https://learn.microsoft.com/azure/azure-functions/functions-app-settings#applicationinsights_connection_string",
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: ENTRA_TELEMETRY,
};

/**
 * Settings (or identity-connection names) infra/main.bicep sets that the code does not read
 * yet. The lead empties this list as the code learns each one: the test fails for an
 * entry the code already reads, and for one the template no longer sets.
 */
export const PENDING_SETTINGS: Record<string, string> = {
};

/** "P__suffix" -> "P" when suffix is an identity-connection property; otherwise undefined. */
export function connectionOf(setting: string): string | undefined {
  const at = setting.lastIndexOf("__");
  if (at <= 0) return undefined;
  return IDENTITY_CONNECTION_SUFFIXES[setting.slice(at + 2)] ? setting.slice(0, at) : undefined;
}
