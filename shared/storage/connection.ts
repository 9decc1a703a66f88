// How an app setting names a storage account, read as the Functions host reads a connection
// (https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity):
// the setting NAME itself is a connection string, or NAME__accountName / NAME__blobServiceUri and
// NAME__tableServiceUri (with NAME__credential "managedidentity" and NAME__clientId) reach the
// account by identity, with no account key. Pure: the credential is built at the edge.

export type StorageConnection =
  | { kind: "connectionString"; setting: string; connectionString: string }
  | {
      kind: "identity";
      setting: string;
      blobServiceUri: string;
      tableServiceUri: string;
      /** The user-assigned identity's client id; absent means the system-assigned identity. */
      clientId?: string;
    };

type Env = Readonly<Record<string, string | undefined>>;

const value = (env: Env, name: string): string => (env[name] ?? "").trim();

function httpsUrl(setting: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`App setting ${setting}=${JSON.stringify(raw)} must be a URL such as https://<account>.blob.core.windows.net`);
  }
  // A bearer token is only ever sent over TLS (the SDKs refuse otherwise, and so do we, earlier).
  if (url.protocol !== "https:") throw new Error(`App setting ${setting} must be an https URL: a token is never sent in clear`);
  return raw.replace(/\/+$/, "");
}

/**
 * The connection named `name`, or undefined when none of its settings is set.
 * Throws (telling the admin what to set) when it is set only in part.
 */
export function readStorageConnection(env: Env, name: string): StorageConnection | undefined {
  const connectionString = value(env, name);
  if (connectionString) return { kind: "connectionString", setting: name, connectionString };
  const accountName = value(env, `${name}__accountName`);
  const blob = value(env, `${name}__blobServiceUri`);
  const table = value(env, `${name}__tableServiceUri`);
  const credential = value(env, `${name}__credential`);
  const clientId = value(env, `${name}__clientId`);
  if (!accountName && !blob && !table) {
    if (credential || clientId) throw new Error(`App setting ${name}__credential or __clientId is set, but not ${name}__accountName nor ${name}__blobServiceUri and ${name}__tableServiceUri: set those to name the account`);
    return undefined;
  }
  if (credential && credential.toLowerCase() !== "managedidentity") {
    throw new Error(`App setting ${name}__credential is ${JSON.stringify(credential)}: the only value is "managedidentity" (or leave it unset)`);
  }
  if (!accountName && (!blob || !table)) {
    throw new Error(`keyward needs both blobs and tables of the account: set ${name}__blobServiceUri and ${name}__tableServiceUri (or ${name}__accountName)`);
  }
  if (accountName && !/^[a-z0-9]{3,24}$/.test(accountName)) {
    throw new Error(`App setting ${name}__accountName=${JSON.stringify(accountName)} is not a storage account name (3 to 24 lowercase letters and digits)`);
  }
  return {
    kind: "identity",
    setting: name,
    blobServiceUri: blob ? httpsUrl(`${name}__blobServiceUri`, blob) : `https://${accountName}.blob.core.windows.net`,
    tableServiceUri: table ? httpsUrl(`${name}__tableServiceUri`, table) : `https://${accountName}.table.core.windows.net`,
    ...(clientId ? { clientId } : {}),
  };
}

/** The first of the named connections that is set (e.g. KEYWARD_DATA_STORAGE, then AzureWebJobsStorage). */
export function firstStorageConnection(env: Env, names: readonly string[]): StorageConnection | undefined {
  for (const name of names) {
    const found = readStorageConnection(env, name);
    if (found) return found;
  }
  return undefined;
}
