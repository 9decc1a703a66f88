// What keyward's Event Grid functions take, in one place for the platform vault's subscription
// (infra/main.bicep) and a customer's (infra/customer/main.bicep). test/infra checks these lists
// against the events and operations the functions handle.

// The Functions host takes Event Grid deliveries on
// /runtime/webhooks/eventgrid?functionName={function}&code={eventgrid_extension system key}:
// https://learn.microsoft.com/azure/azure-functions/event-grid-how-tos#webhook-endpoint-url
@export()
@description('Webhook URL of one of keyward\'s Event Grid functions (keyVaultEvents, roleAssignmentEvents).')
func keywardWebhookUrl(hostName string, functionName string, systemKey string) string => 'https://${hostName}/runtime/webhooks/eventgrid?functionName=${functionName}&code=${systemKey}'

// Key Vault events keyVaultEvents acts on:
// https://learn.microsoft.com/azure/event-grid/event-schema-key-vault
@export()
var keyVaultEventTypes = [
  'Microsoft.KeyVault.KeyNewVersionCreated'
  'Microsoft.KeyVault.KeyNearExpiry'
  'Microsoft.KeyVault.KeyExpired'
  'Microsoft.KeyVault.VaultAccessPolicyChanged'
]

// Subscription events roleAssignmentEvents acts on: a resource write or delete whose operation is a
// role assignment's (https://learn.microsoft.com/azure/event-grid/event-schema-subscriptions).
@export()
var resourceEventTypes = [
  'Microsoft.Resources.ResourceWriteSuccess'
  'Microsoft.Resources.ResourceDeleteSuccess'
]

@export()
var roleAssignmentOperations = [
  'Microsoft.Authorization/roleAssignments/write'
  'Microsoft.Authorization/roleAssignments/delete'
]
