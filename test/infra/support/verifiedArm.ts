// The Azure resource types, API versions and built-in role ids the templates may use: each one
// looked up in Microsoft's documentation (the reference page it is on) while the Bicep compiler
// cannot run here. A template that uses anything else fails test/infra/bicepFiles.test.ts until
// its entry is verified and added here.

const TEMPLATES = "https://learn.microsoft.com/azure/templates";

/** 'Type@apiVersion' -> where it is documented. */
export const VERIFIED_RESOURCE_TYPES: Record<string, string> = {
  "Microsoft.Resources/resourceGroups@2021-04-01": `${TEMPLATES}/microsoft.resources/2021-04-01/resourcegroups`,
  "Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31": `${TEMPLATES}/microsoft.managedidentity/2023-01-31/userassignedidentities`,
  "Microsoft.Storage/storageAccounts@2023-05-01": `${TEMPLATES}/microsoft.storage/2023-05-01/storageaccounts`,
  "Microsoft.Storage/storageAccounts/blobServices@2023-05-01": `${TEMPLATES}/microsoft.storage/2023-05-01/storageaccounts/blobservices`,
  "Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01": `${TEMPLATES}/microsoft.storage/2023-05-01/storageaccounts/blobservices/containers`,
  "Microsoft.OperationalInsights/workspaces@2023-09-01": `${TEMPLATES}/microsoft.operationalinsights/2023-09-01/workspaces (features.disableLocalAuth since 2020-10-01: ${TEMPLATES}/microsoft.operationalinsights/change-log/workspaces)`,
  "Microsoft.Insights/components@2020-02-02": `${TEMPLATES}/microsoft.insights/2020-02-02/components`,
  "Microsoft.Authorization/roleAssignments@2022-04-01": `${TEMPLATES}/microsoft.authorization/2022-04-01/roleassignments`,
  // Flex Consumption needs functionAppConfig, in Microsoft.Web 2023-12-01 and later; these two
  // versions are the ones Azure's quickstart template (Azure/azure-quickstart-templates,
  // quickstarts/microsoft.web/function-app-flex-managed-identities/main.bicep) uses.
  "Microsoft.Web/serverfarms@2024-04-01": `${TEMPLATES}/microsoft.web/2024-04-01/serverfarms`,
  "Microsoft.Web/sites@2024-04-01": `${TEMPLATES}/microsoft.web/2024-04-01/sites`,
  "Microsoft.KeyVault/vaults@2023-07-01": `${TEMPLATES}/microsoft.keyvault/2023-07-01/vaults`,
  "Microsoft.KeyVault/vaults/keys@2023-07-01": `${TEMPLATES}/microsoft.keyvault/2023-07-01/vaults/keys (rotationPolicy)`,
  "Microsoft.EventGrid/systemTopics@2022-06-15": `${TEMPLATES}/microsoft.eventgrid/2022-06-15/systemtopics`,
  "Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15": `${TEMPLATES}/microsoft.eventgrid/2022-06-15/systemtopics/eventsubscriptions`,
  // An extension resource: deployable at subscription scope, on the subscription itself.
  "Microsoft.EventGrid/eventSubscriptions@2022-06-15": `${TEMPLATES}/microsoft.eventgrid/2022-06-15/eventsubscriptions`,
};

/** API versions of list* calls (ARM actions, not resources). */
export const VERIFIED_LIST_CALLS: Record<string, string> = {
  // Web Apps - List Host Keys: POST .../sites/{name}/host/default/listkeys -> { masterKey, functionKeys, systemKeys }
  "2024-04-01": "https://learn.microsoft.com/rest/api/appservice/web-apps/list-host-keys",
};

const ROLES = "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles";

/** Built-in role definition id -> its name and where it is documented. */
export const VERIFIED_ROLES: Record<string, { name: string; doc: string }> = {
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": { name: "Storage Blob Data Owner", doc: `${ROLES}/storage#storage-blob-data-owner` },
  "ba92f5b4-2d11-453d-a403-e96b0029c9fe": { name: "Storage Blob Data Contributor", doc: `${ROLES}/storage#storage-blob-data-contributor` },
  "974c5e8b-45b9-4653-ba55-5f855dd0fb88": { name: "Storage Queue Data Contributor", doc: `${ROLES}/storage#storage-queue-data-contributor` },
  "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": { name: "Storage Table Data Contributor", doc: `${ROLES}/storage#storage-table-data-contributor` },
  "3913510d-42f4-4e42-8a64-420c390055eb": { name: "Monitoring Metrics Publisher", doc: `${ROLES}/monitor#monitoring-metrics-publisher` },
  "e147488a-f6f5-4113-8e2d-b22465e65bf6": { name: "Key Vault Crypto Service Encryption User", doc: `${ROLES}/security#key-vault-crypto-service-encryption-user` },
};
