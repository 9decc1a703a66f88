// The local Key Vault: an HTTPS server speaking the Key Vault keys REST API that the real
// @azure/keyvault-keys SDK talks to, with vaults and managed HSMs by host name, Azure RBAC,
// soft delete / purge protection, Event Grid events, fault injection and a request log, and
// switchable harshness (behaviour.ts): throttling, role propagation delay, validity rules, events.
// Never deployed; used by `npm start` and the tests.
export type { LocalVault, LocalVaultOptions, VaultKind } from "./types";
export { startLocalVault } from "./server";
export { localVaultAgent, localVaultLookup, type LocalVaultAgentOptions } from "./agent";
export {
  localVaultManagementClient, LocalVaultManagementError,
  type LocalVaultManagementClient, type VaultInfo, type VaultProperties, type RoleAssignmentInfo, type EventSubscriptionInfo,
} from "./managementClient";
export { ROLE_DEFINITIONS } from "./rbac";
export {
  AZURE_THROTTLE_LIMITS, defaultBehaviour,
  type LocalVaultBehaviour, type LocalVaultBehaviourPatch, type ThrottleLimits, type ThrottlingBehaviour, type RetryAfterMode,
} from "./behaviour";
export type { RolePropagation, PropagationState } from "./rolePropagation";
export { EVENT_TYPES, LOCAL_ARM_CALLER, LOCAL_SUBSCRIPTION_ID, type EventGridEvent, type PublishedEvent } from "./events";
export type { FaultSpec, Fault } from "./faults";
export type { RequestLogEntry } from "./requestLog";
export type { KeyOperation } from "./operations";
