/** The Event Grid functions, as Event Grid subscriptions (and the local vault) address them. */
export const EVENT_FUNCTION_NAMES = { keyVault: "keyVaultEvents", resources: "roleAssignmentEvents" } as const;
