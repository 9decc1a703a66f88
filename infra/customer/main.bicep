// What a customer deploys in their own subscription to give keyward a customer-managed key:
//   - a vault (Azure RBAC, soft delete, purge protection) and an RSA key with a rotation policy;
//   - Key Vault Crypto Service Encryption User on the key for the enterprise policy's principal;
//   - Event Grid subscriptions to keyward's webhook: the vault's key events (keyVaultEvents) and
//     this subscription's role-assignment writes and deletes (roleAssignmentEvents), so that a
//     revoked grant locks the policy's environments at once rather than at the next probe.
// Deploy at subscription scope:
//   az deployment sub create -l <region> -f infra/customer/main.bicep -p infra/customer/main.parameters.json
targetScope = 'subscription'

import { keywardWebhookUrl, keyVaultEventTypes, resourceEventTypes, roleAssignmentOperations } from '../modules/keywardEvents.bicep'

@description('Region of the resource group and the vault (the enterprise policy\'s region).')
param location string

@description('Resource group for the vault (created if missing).')
param resourceGroupName string = 'rg-keyward-cmk'

@description('Globally unique vault name: 3-24 letters, digits and hyphens, starting with a letter.')
@minLength(3)
@maxLength(24)
param vaultName string

@description('Name of the key.')
param keyName string = 'keyward-cmk'

@description('RSA (standard vault) or RSA-HSM (premium vault).')
@allowed([
  'RSA'
  'RSA-HSM'
])
param keyType string = 'RSA'

@description('Key size in bits.')
@allowed([
  2048
  3072
])
param keySize int = 3072

@description('ISO 8601 duration after which Key Vault creates a new key version; keyward re-wraps without downtime.')
param keyRotateAfter string = 'P1Y'

@description('ISO 8601 duration after which each new version expires; empty for none. An expired version that environments still need locks them: keep it well after keyRotateAfter.')
param keyExpiresAfter string = ''

@description('Days a deleted vault or key stays recoverable.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('Object id, in this tenant, of the principal the enterprise policy acts as: the service principal of keyward\'s multi-tenant app in this tenant (created by your consent), or the principal keyward\'s operator names.')
param policyPrincipalId string

@description('keyward\'s host name, from keyward\'s operator: e.g. func-keyward-abc123.azurewebsites.net.')
param keywardHostName string

@secure()
@description('keyward\'s Event Grid system key (eventgrid_extension), from keyward\'s operator.')
param keywardEventGridKey string

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: resourceGroupName
  location: location
}

module vaultKey '../modules/vaultKey.bicep' = {
  name: 'keywardVaultKey'
  scope: rg
  params: {
    vaultName: vaultName
    location: location
    tags: {}
    softDeleteRetentionInDays: softDeleteRetentionInDays
    keyName: keyName
    keyType: keyType
    keySize: keySize
    rotateAfter: keyRotateAfter
    expiresAfter: keyExpiresAfter
    principalId: policyPrincipalId
    systemTopicName: '${vaultName}-events'
  }
}

module vaultEvents '../modules/systemTopicWebhook.bicep' = {
  name: 'keywardVaultEvents'
  scope: rg
  params: {
    systemTopicName: vaultKey.outputs.systemTopicName
    name: 'keyward-key-vault-events'
    hostName: keywardHostName
    functionName: 'keyVaultEvents'
    systemKey: keywardEventGridKey
    includedEventTypes: keyVaultEventTypes
  }
}

// A subscription-scoped event subscription (an extension resource on the subscription) rather
// than a new system topic: a subscription can have only one system topic, which another service
// may already have created; Event Grid attaches this subscription to it.
resource roleAssignmentEvents 'Microsoft.EventGrid/eventSubscriptions@2022-06-15' = {
  name: 'keyward-role-assignment-events'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: keywardWebhookUrl(keywardHostName, 'roleAssignmentEvents', keywardEventGridKey)
      }
    }
    filter: {
      includedEventTypes: resourceEventTypes
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.operationName'
          values: roleAssignmentOperations
        }
      ]
    }
  }
}

@description('Versionless key id for the enterprise policy (properties.encryption.keyVault).')
output keyId string = vaultKey.outputs.keyId
output keyVaultId string = resourceId(subscription().subscriptionId, rg.name, 'Microsoft.KeyVault/vaults', vaultName)
