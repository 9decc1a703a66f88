// The StorageRef of a configured connection: a connection string as it is, or an account reached
// by identity with keyward's own identity's credential (the user-assigned managed identity named
// by __clientId in Azure; the platform principal's tokens from the local issuer locally).
import type { Settings } from "../settings";
import type { StorageConnection } from "./connection";
import type { StorageRef } from "./clients";
import { credentialFor, localVaultAgentFromSettings } from "../keyvault";

export function storageRefFor(connection: StorageConnection | undefined, s: Settings): StorageRef {
  if (!connection) {
    throw new Error("No storage account is configured: set KEYWARD_DATA_STORAGE (or AzureWebJobsStorage) to a connection string, " +
      "or KEYWARD_DATA_STORAGE__blobServiceUri and KEYWARD_DATA_STORAGE__tableServiceUri with __credential managedidentity and __clientId to reach it by identity");
  }
  if (connection.kind === "connectionString") return connection.connectionString;
  const clientId = connection.clientId || s.platformClientId || undefined;
  // In Azure the principal id only keys the credential cache; the managed identity is chosen by client id.
  const principalId = s.identityMode === "local" ? s.platformPrincipalId : clientId ?? "system-assigned";
  if (!principalId) throw new Error(`${connection.setting} is reached by identity: set KEYWARD_PLATFORM_PRINCIPAL_ID (the identity whose tokens the account accepts)`);
  return {
    blobServiceUri: connection.blobServiceUri,
    tableServiceUri: connection.tableServiceUri,
    credential: credentialFor({ principalId, clientId }),
    agent: localVaultAgentFromSettings(),
  };
}
