// A key vault as keyward requires one (Azure RBAC, soft delete, purge protection), one RSA key
// with a rotation policy, Key Vault Crypto Service Encryption User on that key for the principal
// that wraps and unwraps with it, and the vault's Event Grid system topic.
// Used for the platform key (infra/main.bicep) and for a customer's key (infra/customer/main.bicep).

@description('Globally unique vault name: 3-24 letters, digits and hyphens, starting with a letter.')
@minLength(3)
@maxLength(24)
param vaultName string

@description('Region of the vault and its system topic.')
param location string

@description('Tags of the vault and its system topic.')
param tags object

@description('Days a deleted vault or key stays recoverable (7-90). With purge protection on, the vault name stays taken that long after a delete.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int

@description('Name of the key.')
param keyName string

@description('RSA (software-protected, standard vault) or RSA-HSM (HSM-protected, premium vault).')
@allowed([
  'RSA'
  'RSA-HSM'
])
param keyType string

@description('Key size in bits (keyward accepts 2048 and 3072).')
@allowed([
  2048
  3072
])
param keySize int

@description('ISO 8601 duration after which Key Vault creates a new key version (keyward re-wraps its DEKs on the KeyNewVersionCreated event, without downtime).')
param rotateAfter string

@description('ISO 8601 duration after which each new version expires; empty for no expiry. An expired version locks every environment still wrapped under it.')
param expiresAfter string

@description('Object id of the principal granted Key Vault Crypto Service Encryption User (get, wrapKey, unwrapKey) on the key.')
param principalId string

@description('Name of the vault\'s Event Grid system topic.')
param systemTopicName string

// Key Vault Crypto Service Encryption User: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security#key-vault-crypto-service-encryption-user
var cryptoServiceEncryptionUser = 'e147488a-f6f5-4113-8e2d-b22465e65bf6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: vaultName
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: keyType == 'RSA-HSM' ? 'premium' : 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

// A key deployed through ARM is created only if it does not exist yet: a later deployment neither
// adds a version nor changes it, its rotation policy included (Keys - Create If Not Exist,
// https://learn.microsoft.com/rest/api/keyvault/keyvault/keys/create-if-not-exist).
resource key 'Microsoft.KeyVault/vaults/keys@2023-07-01' = {
  parent: vault
  name: keyName
  properties: {
    kty: keyType
    keySize: keySize
    keyOps: [
      'wrapKey'
      'unwrapKey'
    ]
    rotationPolicy: union(
      {
        lifetimeActions: [
          {
            trigger: {
              timeAfterCreate: rotateAfter
            }
            action: {
              type: 'rotate'
            }
          }
        ]
      },
      empty(expiresAfter) ? {} : { attributes: { expiryTime: expiresAfter } }
    )
  }
}

resource keyUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(key.id, principalId, cryptoServiceEncryptionUser)
  scope: key
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', cryptoServiceEncryptionUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: systemTopicName
  location: location
  tags: tags
  properties: {
    source: vault.id
    topicType: 'Microsoft.KeyVault.vaults'
  }
}

@description('Versionless key id: https://{vault}.vault.azure.net/keys/{key}.')
output keyId string = key.properties.keyUri
output systemTopicName string = systemTopic.name
