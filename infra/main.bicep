// keyward on Azure, as `azd up` provisions it (shape of Azure's Flex Consumption azd samples):
// a resource group with
//   - the user-assigned identity keyward runs as;
//   - a storage account for the Functions host and the task hub, another for the environments'
//     data and keyward's state; both without shared keys, reached by identity;
//   - Log Analytics and Application Insights with local auth off (Entra ID ingestion only);
//   - the platform vault (RBAC, soft delete, purge protection) with the RSA-3072 platform key, its
//     rotation policy, and its Event Grid system topic;
//   - the Flex Consumption function app (Node.js 20) with every app setting keyward reads;
//   - once the app runs (platformEventsEnabled, set by the postdeploy hook), the platform vault's
//     Event Grid subscription to keyward's keyVaultEvents function.
// test/infra/appSettings.test.ts checks the app settings below against what the code reads.
targetScope = 'subscription'

import { keyVaultEventTypes } from 'modules/keywardEvents.bicep'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; with the subscription and location it derives every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource; it must offer the Flex Consumption plan.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Application (client) id of keyward\'s API app registration (README, Deploying to Azure): the audience of the access tokens keyward accepts.')
param apiClientId string

@description('Application (client) id of the admin console\'s app registration (a single-page application; README, Deploying to Azure): the console signs users in with it. Empty: the console\'s sign-in page says this setting is missing.')
param consoleClientId string = ''

@description('Durable Functions task hub: 3-45 letters and digits, starting with a letter. A new name starts a new, empty hub (README: deploying a new version while operations run).')
@minLength(3)
@maxLength(45)
param taskHubName string = 'keyward'

@description('Application (client) id of keyward\'s multi-tenant app registration whose federated credential trusts the identity (README step 2): every policy\'s vault is reached as its service principal in the vault\'s tenant, keyward\'s own included. Empty: no policy can be created until it is set.')
param crossTenantAppClientId string = ''

@description('ISO 8601 duration after which Key Vault rotates the platform key.')
param platformKeyRotateAfter string = 'P1Y'

@description('Days a deleted vault stays recoverable; the vault name stays taken that long after `azd down`.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('Replication of the data account (the environments\' ciphertext, key rings and backups).')
param dataStorageSku string = 'Standard_ZRS'

@description('Most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each instance.')
@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Set by the postdeploy hook once the app has run: then the platform vault\'s Event Grid subscription is created with the host\'s eventgrid_extension system key.')
param platformEventsEnabled bool = false

@description('Further app settings (name: value), such as the optional KEYWARD_* settings of the README\'s configuration table. Settings changed in the portal are replaced at the next provision; set them here instead. They cannot override the settings this template sets.')
param additionalAppSettings object = {}

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = 'func-keyward-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'

// Built-in roles: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-keyward-${resourceToken}'
    location: location
    tags: tags
  }
}

// The host keeps its state, timers, keys and the task hub in blobs, queues and tables; Blob Data
// Owner as the host documents for AzureWebJobsStorage by identity:
// https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity
module hostStorage 'modules/storageAccount.bicep' = {
  name: 'hostStorage'
  scope: rg
  params: {
    name: 'sthost${resourceToken}'
    location: location
    tags: tags
    skuName: 'Standard_LRS'
    containerNames: [
      deploymentContainerName
    ]
    principalId: identity.outputs.principalId
    roleDefinitionIds: [
      storageBlobDataOwner
      storageQueueDataContributor
      storageTableDataContributor
    ]
  }
}

// The environments' records (tables), files and backups (blobs), and keyward's own state tables:
// its own account, so the task hub's traffic and the data's never share a quota.
module dataStorage 'modules/storageAccount.bicep' = {
  name: 'dataStorage'
  scope: rg
  params: {
    name: 'stdata${resourceToken}'
    location: location
    tags: tags
    skuName: dataStorageSku
    principalId: identity.outputs.principalId
    roleDefinitionIds: [
      storageBlobDataContributor
      storageTableDataContributor
    ]
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    workspaceName: 'log-${resourceToken}'
    appInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
    retentionInDays: 30
    publisherPrincipalId: identity.outputs.principalId
  }
}

// The platform key never expires: every DEK on the platform key stays wrapped under the version
// that wrapped it, and keyward treats an expired version as lost access.
module platformVault 'modules/vaultKey.bicep' = {
  name: 'platformVault'
  scope: rg
  params: {
    vaultName: 'kv-${resourceToken}'
    location: location
    tags: tags
    softDeleteRetentionInDays: softDeleteRetentionInDays
    keyName: 'keyward-platform'
    keyType: 'RSA'
    keySize: 3072
    rotateAfter: platformKeyRotateAfter
    expiresAfter: ''
    principalId: identity.outputs.principalId
    systemTopicName: 'evgt-kv-${resourceToken}'
  }
}

// Every app setting keyward reads that has no default fit for Azure, and the host's own.
var appSettings = {
  // The Functions host's storage by identity (blobs, queues, tables):
  // https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity
  AzureWebJobsStorage__blobServiceUri: hostStorage.outputs.blobEndpoint
  AzureWebJobsStorage__queueServiceUri: hostStorage.outputs.queueEndpoint
  AzureWebJobsStorage__tableServiceUri: hostStorage.outputs.tableEndpoint
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  KEYWARD_TASK_HUB: taskHubName
  // The data account, named like a host connection (KEYWARD_DATA_STORAGE, or
  // KEYWARD_DATA_STORAGE__* by identity) so that one reader serves both.
  KEYWARD_DATA_STORAGE__blobServiceUri: dataStorage.outputs.blobEndpoint
  KEYWARD_DATA_STORAGE__tableServiceUri: dataStorage.outputs.tableEndpoint
  KEYWARD_DATA_STORAGE__credential: 'managedidentity'
  KEYWARD_DATA_STORAGE__clientId: identity.outputs.clientId
  // Telemetry with Entra ID (local auth is off):
  // https://learn.microsoft.com/azure/azure-functions/configure-monitoring#enable-microsoft-entra-authentication
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
  // Tokens: v2.0 access tokens of any tenant for the multi-tenant API app registration, each
  // accepted only with its own tid in the issuer ({tenantid} is filled in from the token's tid).
  KEYWARD_AUTH_ISSUER: '${environment().authentication.loginEndpoint}{tenantid}/v2.0'
  KEYWARD_AUTH_AUDIENCE: apiClientId
  // The admin console signs in with its own app registration; its authority comes from
  // KEYWARD_AUTH_ISSUER and its scope from KEYWARD_AUTH_AUDIENCE.
  KEYWARD_CONSOLE_CLIENT_ID: consoleClientId
  // The platform key and the identity keyward uses for it.
  KEYWARD_PLATFORM_KEY_ID: platformVault.outputs.keyId
  KEYWARD_PLATFORM_PRINCIPAL_ID: identity.outputs.principalId
  KEYWARD_PLATFORM_CLIENT_ID: identity.outputs.clientId
  // Vault host names of this cloud (public, government, China).
  KEYWARD_VAULT_URL_TEMPLATE: 'https://{vault}${environment().suffixes.keyvaultDns}'
  // Keys in customers' tenants: the multi-tenant app the identity federates into (empty: none),
  // and the authority of this cloud's token exchange (loginEndpoint ends in '/'; keyward trims it).
  KEYWARD_CROSS_TENANT_CLIENT_ID: crossTenantAppClientId
  KEYWARD_AUTHORITY_HOST: environment().authentication.loginEndpoint
}

module functionApp 'modules/functionApp.bicep' = {
  name: 'functionApp'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    deploymentContainerUrl: '${hostStorage.outputs.blobEndpoint}${deploymentContainerName}'
    // The template's settings win over additionalAppSettings (union: the last one wins).
    appSettings: union(additionalAppSettings, appSettings)
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
}

// ARM's "List Host Keys" (POST {site}/host/default/listkeys) gives the host's system keys.
var functionAppHostId = resourceId(subscription().subscriptionId, rg.name, 'Microsoft.Web/sites/host', functionAppName, 'default')

module platformVaultEvents 'modules/systemTopicWebhook.bicep' = if (platformEventsEnabled) {
  name: 'platformVaultEvents'
  scope: rg
  params: {
    systemTopicName: platformVault.outputs.systemTopicName
    name: 'keyward-key-vault-events'
    hostName: functionApp.outputs.hostName
    functionName: 'keyVaultEvents'
    // The host creates eventgrid_extension when it first starts with the Event Grid extension, so
    // the key exists only after a deployment has run; `?:` evaluates only the branch it takes.
    systemKey: platformEventsEnabled ? listKeys(functionAppHostId, '2024-04-01').systemKeys.eventgrid_extension : ''
    includedEventTypes: keyVaultEventTypes
  }
}

// azd stores these in the environment (`azd env get-values`); the CLI reads KEYWARD_API.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = functionApp.outputs.name
output KEYWARD_API_HOST string = functionApp.outputs.hostName
output KEYWARD_API string = 'https://${functionApp.outputs.hostName}/api'
output KEYWARD_PLATFORM_KEY_ID string = platformVault.outputs.keyId
output KEYWARD_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
