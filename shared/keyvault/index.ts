// Key access layer: everything keyward does with a key in Azure Key Vault goes through here.
export {
  parseVaultResourceId, sameVaultResource, vaultUrlFor, normaliseVaultUrl, parseKeyId, isVersionedKeyId, keyIdFor,
  isValidVaultName, isVaultHost, vaultHostSuffixes,
  type VaultKind, type VaultResource, type KeyIdParts,
} from "./vaultResource";
export { credentialFor, crossTenantCredential, CrossTenantNotConfigured, LocalTokenCredential, LocalTokenError, audienceFromScopes, type KeyVaultIdentity } from "./credentials";
export {
  keyVaultClientOptions, loopbackVaultAgent, localVaultAgentFromSettings, localVaultManagementUrl, requestTimeoutPolicy, emptyErrorBodyPolicy,
  DEFAULT_REQUEST_TIMEOUT_MS, type KeyVaultClientOptions, type LoopbackVaultAgentOptions,
} from "./transport";
export { KeyVaultClientFactory, keyVaultClients, type ClientFactoryOptions } from "./clientFactory";
export {
  KeyAccessError, classifyKeyVaultError, isKeyAccessError, retryAfterMsFrom,
  type KeyAccessErrorKind, type ClassifyContext,
} from "./classify";
export { withKeyVaultRetry, backoffMs, DEFAULT_RETRY_POLICY, type VaultRetryPolicy } from "./retry";
export {
  VaultKeyWrapper, wrapperForLatestVersion, latestKeyVersion, assertUsableForWrap, randomDek, DEK_BYTES,
  type VaultKeyWrapperDeps, type LatestKeyVersion,
} from "./vaultKeyWrapper";
export {
  inspectKey, cmkViolations, assertCmkCompliant, modulusBits, SUPPORTED_KEY_SIZES, SUPPORTED_KEY_TYPES,
  type KeyInfo, type KeyVersionSummary, type CmkViolation, type InspectOptions,
} from "./keyInspector";
export { probeKey, probeStatusFor, type KeyProbeResult, type KeyProbeStatus } from "./keyProbe";
export { DekCache, dekCache, type DekCacheKey, type DekSource, type DekCacheOptions } from "./dekCache";
